/**
 * An event source you drive by hand, in the shape of `@livekit/agents`' AgentSession events:
 * `setAgentState("thinking")`, `startTool()`... It stands in for a session in tests, demos and
 * frameworks other than LiveKit: anything with `.on(event, cb)` / `.off(event, cb)` emitting
 * these events drives the player.
 */
import { EventEmitter } from "node:events";

export type AgentState = "initializing" | "idle" | "listening" | "thinking" | "speaking";
export type UserState = "speaking" | "listening" | "away";

export class ScriptedSession extends EventEmitter {
  agentState: string = "initializing";
  userState: string = "listening";
  private nextCall = 0;

  setAgentState(state: string): void {
    const oldState = this.agentState;
    this.agentState = state;
    this.emit("agent_state_changed", {
      type: "agent_state_changed",
      oldState,
      newState: state,
      createdAt: Date.now(),
    });
  }

  setUserState(state: string): void {
    const oldState = this.userState;
    this.userState = state;
    this.emit("user_state_changed", {
      type: "user_state_changed",
      oldState,
      newState: state,
      createdAt: Date.now(),
    });
  }

  /** Announce a tool call; returns its call id for `endTool`. */
  startTool(name = "tool"): string {
    this.nextCall += 1;
    const callId = `call_${this.nextCall}`;
    this.emit("tool_execution_updated", {
      type: "tool_execution_updated",
      update: { type: "tool_call_started", functionCall: { callId, name } },
    });
    return callId;
  }

  endTool(callId: string, status = "done"): void {
    this.emit("tool_execution_updated", {
      type: "tool_execution_updated",
      update: { type: "tool_call_ended", callId, status },
    });
  }
}
