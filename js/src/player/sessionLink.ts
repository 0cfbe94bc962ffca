/**
 * Following an agent session: its events become the player's state calls.
 *
 * Works with `@livekit/agents`' `voice.AgentSession` and anything else with `.on`/`.off`
 * emitting the same events. Tool calls: `tool_execution_updated` (a started/ended update, as
 * the ScriptedSession and newer agents emit) and `function_tools_executed` (agents-js 1.9's
 * event after a step's tools ran). agents-js 1.9 announces no tool *start*, so the link also
 * watches the session's `_toolItemsAdded(items)` hook on that instance, which the agent
 * calls with each function call as its execution starts; it is restored on detach.
 */

export interface StateSink {
  setAgentState(state: string): void;
  setUserState(state: string): void;
  setToolsRunning(running: boolean): void;
}

interface Emitter {
  on(event: string, listener: (event: never) => void): unknown;
  off(event: string, listener: (event: never) => void): unknown;
}

type Listener = (event: Record<string, unknown>) => void;

export class SessionLink {
  private readonly session: Emitter & Record<string, unknown>;
  private readonly sink: StateSink;
  private readonly running = new Set<string>();
  private readonly handlers: Record<string, Listener>;
  private hooked = false;

  constructor(session: unknown, sink: StateSink) {
    const s = session as Partial<Emitter> | null;
    if (s === null || typeof s !== "object" || typeof s.on !== "function" || typeof s.off !== "function") {
      const kind = s === null ? "null" : typeof s === "object" ? (s.constructor?.name ?? "object") : typeof s;
      throw new TypeError(
        `agentSession must have .on(event, callback) and .off(event, callback), like voice.AgentSession; got ${kind}`,
      );
    }
    this.session = session as Emitter & Record<string, unknown>;
    this.sink = sink;
    this.handlers = {
      agent_state_changed: (e) => sink.setAgentState(String(e.newState ?? e.new_state)),
      user_state_changed: (e) => sink.setUserState(String(e.newState ?? e.new_state)),
      tool_execution_updated: (e) => this.onToolUpdate(e),
      function_tools_executed: () => this.onToolsExecuted(),
    };
    for (const [event, handler] of Object.entries(this.handlers))
      this.session.on(event, handler as (e: never) => void);
    this.hookToolStarts();
    const current = this.session.agentState;
    if (typeof current === "string") sink.setAgentState(current);
  }

  detach(): void {
    for (const [event, handler] of Object.entries(this.handlers))
      this.session.off(event, handler as (e: never) => void);
    if (this.hooked) {
      delete this.session._toolItemsAdded; // the prototype's method shows through again
      this.hooked = false;
    }
  }

  private hookToolStarts(): void {
    const session = this.session;
    const original = session._toolItemsAdded;
    if (typeof original !== "function" || Object.hasOwn(session, "_toolItemsAdded")) return;
    session._toolItemsAdded = (items: unknown) => {
      const result = (original as (items: unknown) => unknown).call(session, items);
      if (Array.isArray(items)) {
        for (const item of items as Array<Record<string, unknown>>) {
          if (item?.type === "function_call" && typeof item.callId === "string") this.started(item.callId);
        }
      }
      return result;
    };
    this.hooked = true;
  }

  private started(callId: string): void {
    this.running.add(callId);
    this.sink.setToolsRunning(true);
  }

  private onToolUpdate(event: Record<string, unknown>): void {
    const update = (event.update ?? event) as Record<string, unknown>;
    if (update.type === "tool_call_started") {
      const call = update.functionCall as Record<string, unknown> | undefined;
      this.started(String(call?.callId ?? this.running.size));
    } else if (update.type === "tool_call_ended") {
      this.running.delete(String(update.callId));
      this.sink.setToolsRunning(this.running.size > 0);
    }
  }

  private onToolsExecuted(): void {
    this.running.clear();
    this.sink.setToolsRunning(false);
  }
}
