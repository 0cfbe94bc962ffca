/**
 * roomtone vs @livekit/agents' own `voice.BackgroundAudioPlayer`, N sessions in one Node
 * process, side by side, on @livekit/rtc-node's AudioSource without a server.
 *
 * Each configuration runs in its own process (this script re-run with `--worker`): N players,
 * each with its own room stand-in and session, play the office ambience while the session
 * toggles "thinking" (a keyboard sound) every 3 s. Every track has a real rtc-node
 * AudioSource, which paces `captureFrame` in real time. Both players get the same files.
 * roomtone uses LiveKit's cue rules here (no delay, play once, stop on leave) so both do the
 * same work.
 *
 * Reported per N: CPU ms per session-second (the process and its child processes: agents-js
 * decodes with one ffmpeg process per sound), sessions that kept real time (>= 98 % of the
 * expected samples reached their AudioSource), RSS per session (the process and its
 * children), and stop latency: from
 * `handle.stop()` to the moment the last loud sample leaves the AudioSource queue (on an
 * extra player, while the N run).
 *
 *   npx tsx bench/node_vs_livekit.ts                         # N = 5,10,50,100, a few minutes
 *   npx tsx bench/node_vs_livekit.ts --sessions 10 --seconds 5
 *   npx tsx bench/node_vs_livekit.ts --impls roomtone --sessions 200,400   # roomtone's capacity
 */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const SR = 48000;
const SILENT = 16; // int16 peak at or below which a sample counts as silent (-66 dBFS)
const KEPT = 0.98;
const WARMUP_MS = 1500;
const TICKS = 100; // clock ticks per second in /proc (USER_HZ)

const { values: args } = parseArgs({
  options: {
    sessions: { type: "string", default: "5,10,50,100" },
    seconds: { type: "string", default: "8" },
    toggle: { type: "string", default: "3" },
    trials: { type: "string", default: "3" },
    impls: { type: "string", default: "livekit,roomtone" },
    worker: { type: "string" },
    n: { type: "string", default: "10" },
  },
});

// -- measuring (worker side) ----------------------------------------------------------------
/** CPU seconds of this process (all threads) and of its children, live or finished. */
function cpuSeconds(): number {
  const fields = (stat: string): string[] => stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const self = fields(readFileSync("/proc/self/stat", "utf8"));
  // utime stime cutime cstime are fields 14..17, i.e. 11..14 after the command name
  let ticks = Number(self[11]) + Number(self[12]) + Number(self[13]) + Number(self[14]);
  for (const task of readdirSync("/proc/self/task")) {
    let children = "";
    try {
      children = readFileSync(`/proc/self/task/${task}/children`, "utf8");
    } catch {
      continue;
    }
    for (const pid of children.trim().split(/\s+/).filter(Boolean)) {
      try {
        const f = fields(readFileSync(`/proc/${pid}/stat`, "utf8"));
        ticks += Number(f[11]) + Number(f[12]);
      } catch {
        // the child exited meanwhile; its time moves to cutime/cstime once it is reaped
      }
    }
  }
  return ticks / TICKS;
}

/** Resident memory of this process and its children (agents-js' ffmpeg processes), bytes. */
function rssBytes(): number {
  let kb = 0;
  const status = (pid: string): number => {
    const line = readFileSync(`/proc/${pid}/status`, "utf8").match(/VmRSS:\s+(\d+)/);
    return line ? Number(line[1]) : 0;
  };
  kb += status("self");
  for (const task of readdirSync("/proc/self/task")) {
    try {
      for (const pid of readFileSync(`/proc/self/task/${task}/children`, "utf8")
        .trim()
        .split(/\s+/)
        .filter(Boolean)) {
        kb += status(pid);
      }
    } catch {
      // a task or child that ended meanwhile
    }
  }
  return kb * 1024;
}

interface SourceStats {
  samples: number;
  queueEnd: number;
  loudLeaves: number[] | null;
}

const STATS = new Map<object, SourceStats>();

async function installCounter(): Promise<void> {
  const rtc = await import("@livekit/rtc-node");
  const original = rtc.AudioSource.prototype.captureFrame;
  rtc.AudioSource.prototype.captureFrame = async function (this: object, frame) {
    let stats = STATS.get(this);
    if (stats === undefined) {
      stats = { samples: 0, queueEnd: 0, loudLeaves: null };
      STATS.set(this, stats);
    }
    const n = frame.samplesPerChannel;
    stats.queueEnd = Math.max(stats.queueEnd, performance.now()) + (1000 * n) / frame.sampleRate;
    stats.samples += n;
    if (stats.loudLeaves !== null) {
      const ch = frame.channels;
      for (let i = n * ch - 1; i >= 0; i--) {
        if (Math.abs(frame.data[i] as number) > SILENT) {
          const last = Math.floor(i / ch);
          stats.loudLeaves.push(stats.queueEnd - (1000 * (n - 1 - last)) / frame.sampleRate);
          break;
        }
      }
    }
    return original.call(this as never, frame);
  };
}

class StandInRoom {
  readonly localParticipant = {
    trackPublications: new Map<string, { sid: string; name: string }>(),
    publishTrack: async (track: { name?: string }) => {
      const pub = { sid: `TR_${Math.random().toString(36).slice(2)}`, name: track.name ?? "" };
      this.localParticipant.trackPublications.set(pub.sid, pub);
      return pub;
    },
    unpublishTrack: async (sid: string) => {
      this.localParticipant.trackPublications.delete(sid);
    },
  };
}

interface AnyPlayer {
  start(o: { room: unknown; agentSession?: unknown }): Promise<void>;
  play(audio: unknown, loop?: boolean): { stop(): unknown };
  close(): Promise<void>;
}

const CLIPS = new URL("../../src/roomtone/clips/data/", import.meta.url).pathname;
const FILES = ["office_ambience", "keyboard_typing", "keyboard_typing2"].map((n) => `${CLIPS}${n}.ogg`);

async function makePlayer(impl: string, ambient: boolean): Promise<AnyPlayer> {
  const [amb, key1, key2] = FILES as [string, string, string];
  const thinkingSound = [
    { source: key1, volume: 0.8 },
    { source: key2, volume: 0.7 },
  ];
  const ambientSound = ambient ? { source: amb, volume: 0.8 } : undefined;
  if (impl === "livekit") {
    const { voice } = await import("@livekit/agents");
    return new voice.BackgroundAudioPlayer({ ambientSound, thinkingSound }) as unknown as AnyPlayer;
  }
  const roomtone = await import("../src/index.js");
  return new roomtone.BackgroundAudioPlayer({
    ambientSound,
    thinkingSound,
    thinking: { ...roomtone.IMMEDIATE_CUE },
  });
}

function sourceOf(player: AnyPlayer): object | undefined {
  const p = player as unknown as { audioSource?: object; output?: { source?: object } };
  return p.audioSource ?? p.output?.source;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function stopTrials(impl: string, count: number): Promise<number[]> {
  const player = await makePlayer(impl, false);
  await player.start({ room: new StandInRoom() });
  const latencies: number[] = [];
  for (let i = 0; i < count; i++) {
    const handle = player.play(FILES[0], true);
    await sleep(800 + 150 * i);
    const stats = STATS.get(sourceOf(player) as object);
    if (stats === undefined) continue;
    stats.loudLeaves = [];
    await sleep(100);
    const heard = stats.loudLeaves.length > 0;
    stats.loudLeaves = [];
    const stopped = performance.now();
    handle.stop();
    await sleep(1200);
    if (heard) latencies.push(Math.max(stopped, ...stats.loudLeaves) - stopped);
    stats.loudLeaves = null;
  }
  await player.close();
  return latencies;
}

function emit(figures: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}

async function worker(
  impl: string,
  n: number,
  seconds: number,
  toggle: number,
  trials: number,
): Promise<void> {
  // agents-js' player sometimes rejects a promise nobody awaits while stopping or closing;
  // note it on stderr and go on measuring rather than lose the run.
  let unhandled = 0;
  process.on("unhandledRejection", (reason) => {
    unhandled += 1;
    if (unhandled <= 3)
      process.stderr.write(`${impl}: unhandled rejection: ${String(reason).slice(0, 200)}\n`);
  });
  const agents = await import("@livekit/agents");
  agents.initializeLogger({ pretty: false, level: "error" });
  await installCounter();
  const rss0 = rssBytes();
  const { ScriptedSession } = await import("../src/index.js"); // emits AgentSession's events
  const sessions = Array.from({ length: n }, () => new ScriptedSession());
  const players: AnyPlayer[] = [];
  for (const session of sessions) {
    const player = await makePlayer(impl, true);
    await player.start({ room: new StandInRoom(), agentSession: session });
    players.push(player);
  }
  const sources = players.map(sourceOf);
  // Each session toggles thinking every `toggle` s, staggered over one period.
  const thinking = sessions.map(() => false);
  const toggles = sessions.map((session, i) =>
    setTimeout(
      function flip() {
        thinking[i] = !thinking[i];
        session.setAgentState(thinking[i] ? "thinking" : "listening");
        toggles[i] = setTimeout(flip, toggle * 1000);
      },
      (i * toggle * 1000) / n,
    ),
  );
  await sleep(WARMUP_MS);
  const base = sources.map((s) => STATS.get(s as object)?.samples ?? 0);
  const t0 = performance.now();
  const c0 = cpuSeconds();
  await sleep(seconds * 1000);
  const wall = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds() - c0;
  const ratios = sources.map(
    (s, i) => ((STATS.get(s as object)?.samples ?? 0) - (base[i] as number)) / (SR * wall),
  );
  const delivered = ratios.reduce((a, b) => a + b, 0);
  emit({
    n,
    cpuWall: (1000 * cpu) / (n * wall),
    cpuAudio: delivered > 0.01 ? (1000 * cpu) / (delivered * wall) : null,
    realtime: delivered / n,
    kept: ratios.filter((r) => r >= KEPT).length,
    rssMb: (rssBytes() - rss0) / n / 2 ** 20,
    ratios: process.env.BENCH_DEBUG ? ratios : undefined,
  });
  const stopMs = await stopTrials(impl, trials);
  for (const t of toggles) clearTimeout(t);
  const began = performance.now();
  await Promise.all(players.map((p) => p.close()));
  emit({ stopMs, closeS: (performance.now() - began) / 1000, unhandled });
  const { dispose } = await import("@livekit/rtc-node");
  await dispose();
  process.exit(0);
}

// -- orchestration --------------------------------------------------------------------------
interface Result {
  n: number;
  cpuWall: number;
  cpuAudio: number | null;
  realtime: number;
  kept: number;
  rssMb: number;
  stopMs?: number[];
}

function runConfig(impl: string, n: number, seconds: number, toggle: number, trials: number): Result | null {
  const self = fileURLToPath(import.meta.url);
  const cmd = ["--import", "tsx", self, "--worker", impl, "--n", String(n)];
  cmd.push("--seconds", String(seconds), "--toggle", String(toggle), "--trials", String(trials));
  const budget = (2 * seconds + 2.5 * trials + 40) * 1000;
  const done = spawnSync(process.execPath, cmd, { encoding: "utf8", timeout: budget, maxBuffer: 1 << 24 });
  const result: Partial<Result> = {};
  for (const line of (done.stdout ?? "").split("\n"))
    if (line.startsWith("{")) Object.assign(result, JSON.parse(line));
  if (result.n === undefined) {
    console.log(`  ${impl} N=${n}: no figures (${(done.stderr ?? String(done.error)).trim().slice(-300)})`);
    return null;
  }
  return result as Result;
}

const median = (xs: number[]): number | null => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
};
const f = (x: number | null | undefined, digits = 1): string =>
  x === null || x === undefined ? "-" : x.toFixed(digits);

function row(label: string, r: Result | null): string {
  if (r === null) return `${label.padEnd(12)} (no result)`;
  const stop = median(r.stopMs ?? []);
  return [
    label.padEnd(12),
    f(r.cpuWall).padStart(9),
    f(r.cpuAudio).padStart(9),
    f(r.realtime, 2).padStart(7),
    `${r.kept}/${r.n}`.padStart(9),
    f(r.rssMb, 2).padStart(8),
    f(stop, 0).padStart(8),
  ].join(" ");
}

async function main(): Promise<void> {
  const seconds = Number(args.seconds);
  const toggle = Number(args.toggle);
  const trials = Number(args.trials);
  if (args.worker !== undefined) {
    await worker(args.worker, Number(args.n), seconds, toggle, trials);
    return;
  }
  console.log(
    `roomtone (Node) vs @livekit/agents BackgroundAudioPlayer on rtc-node AudioSource, no server; ` +
      `${seconds} s measured per run, kept = >= ${KEPT * 100}% of real time`,
  );
  const head = `${"".padEnd(12)} ${"CPU ms/".padStart(9)} ${"CPU ms/".padStart(9)} ${"audio/".padStart(7)} ${"kept".padStart(9)} ${"RSS MB/".padStart(8)} ${"stop ms".padStart(8)}\n${"".padEnd(12)} ${"sess-s".padStart(9)} ${"audio-s".padStart(9)} ${"wall".padStart(7)} ${"".padStart(9)} ${"sess".padStart(8)} ${"median".padStart(8)}`;
  const capacity = { livekit: 0, roomtone: 0 };
  for (const n of args.sessions.split(",").map(Number)) {
    console.log(`\nN = ${n}\n${head}`);
    const impls = args.impls.split(",");
    const lk = impls.includes("livekit") ? runConfig("livekit", n, seconds, toggle, trials) : null;
    if (impls.includes("livekit")) console.log(row("livekit", lk));
    const rt = impls.includes("roomtone") ? runConfig("roomtone", n, seconds, toggle, trials) : null;
    if (impls.includes("roomtone")) console.log(row("roomtone", rt));
    if (lk !== null && rt !== null) {
      const ratio = (a: number | null, b: number | null) => (a !== null && b ? (a / b).toFixed(2) : "-");
      console.log(
        `${"  rt/lk".padEnd(12)} ${ratio(rt.cpuWall, lk.cpuWall).padStart(9)} ${ratio(rt.cpuAudio, lk.cpuAudio).padStart(9)} ${"".padStart(7)} ${"".padStart(9)} ${ratio(rt.rssMb, lk.rssMb).padStart(8)} ${ratio(median(rt.stopMs ?? []), median(lk.stopMs ?? [])).padStart(8)}`,
      );
    }
    for (const [impl, r] of [
      ["livekit", lk],
      ["roomtone", rt],
    ] as const) {
      if (r !== null && r.kept === r.n) capacity[impl] = Math.max(capacity[impl], r.n);
    }
  }
  console.log(
    `\nlargest N with every session in real time: livekit ${capacity.livekit}, roomtone ${capacity.roomtone}`,
  );
}

await main();
