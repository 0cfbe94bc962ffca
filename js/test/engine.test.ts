/** The engine measured as sound: ramps, de-click, loop seams, limiter, ducker, cues. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { CueController, DEFAULT_CUE, IMMEDIATE_CUE } from "../src/engine/cue.js";
import { DEFAULT_DUCKING } from "../src/engine/ducker.js";
import { Limiter } from "../src/engine/limiter.js";
import { Mixer } from "../src/engine/mixer.js";
import { ClipPlayback } from "../src/engine/playback.js";
import { EqualPowerFade, LinearRamp } from "../src/engine/ramp.js";
import { Voice } from "../src/engine/voice.js";
import { AudioFormat } from "../src/format.js";
import { Clip } from "../src/sources/clip.js";
import { maxStep, noise, peak, rmsDb, sine } from "./helpers.js";

const RATE = 48000;
const MONO = new AudioFormat(RATE, 1);

function clipOf(samples: Float32Array, format = MONO): Clip {
  return Clip.fromArray(format, "test", samples);
}

function renderAll(mixer: Mixer, frames: number, block: number): Float32Array {
  const out = new Float32Array(frames * mixer.format.numChannels);
  for (let at = 0; at < frames; at += block) {
    const n = Math.min(block, frames - at);
    out.set(mixer.render(n), at * mixer.format.numChannels);
  }
  return out;
}

describe("ramps", () => {
  test("a linear ramp reaches its target exactly, in the frames asked", () => {
    const ramp = new LinearRamp(0);
    ramp.set(1, 100);
    const g = ramp.advance(150) as Float32Array;
    assert.ok(Math.abs((g[0] as number) - 0.01) < 1e-7);
    assert.equal(g[99], 1);
    assert.equal(g[149], 1);
    assert.equal(ramp.moving, false);
    assert.equal(ramp.advance(10), 1, "a still ramp is one number, not an array");
  });

  test("an equal-power fade is sin(p * pi/2) and can reverse midway without a jump", () => {
    const fade = new EqualPowerFade(0);
    fade.to(1, 100);
    const first = (fade.advance(50) as Float32Array).slice();
    assert.ok(Math.abs((first[49] as number) - Math.sin(0.25 * Math.PI)) < 1e-6);
    fade.to(0, 100);
    const back = fade.advance(1) as Float32Array;
    assert.ok(Math.abs((back[0] as number) - (first[49] as number)) < 0.02);
  });
});

describe("voices", () => {
  test("volume 0.5 is -6.02 dB", () => {
    const tone = sine(1000, 1, RATE, 0.5);
    const full = new Mixer(MONO);
    full.addVoice(new Voice(new ClipPlayback(clipOf(tone)), { volume: 1 }));
    const half = new Mixer(MONO);
    half.addVoice(new Voice(new ClipPlayback(clipOf(tone)), { volume: 0.5 }));
    const a = renderAll(full, RATE, 960).subarray(4800);
    const b = renderAll(half, RATE, 960).subarray(4800);
    assert.ok(Math.abs(rmsDb(b) - rmsDb(a) + 6.0206) < 0.01, `${rmsDb(b) - rmsDb(a)} dB`);
  });

  for (const block of [1, 65, 960, 8193]) {
    test(`rendering in blocks of ${block} equals rendering in one go`, () => {
      const source = noise(0.5, RATE, 0.3, 7);
      const render = (b: number): Float32Array => {
        const mixer = new Mixer(MONO);
        mixer.addVoice(
          new Voice(new ClipPlayback(clipOf(source), { loop: true, overlap: 240 }), { fadeIn: 2400 }),
        );
        return renderAll(mixer, RATE, b);
      };
      const one = render(RATE);
      const chunked = render(block);
      for (let i = 0; i < one.length; i += 97) {
        assert.ok(Math.abs((one[i] as number) - (chunked[i] as number)) < 1e-6, `frame ${i}`);
      }
    });
  }

  test("start and stop are de-clicked: no step larger than the tone's own", () => {
    const tone = sine(440, 2, RATE, 0.8);
    const mixer = new Mixer(MONO);
    const voice = new Voice(new ClipPlayback(clipOf(tone)), { declick: 240 });
    mixer.addVoice(voice);
    const head = renderAll(mixer, 4800, 480);
    voice.stop(0);
    const tail = renderAll(mixer, 4800, 480);
    const own = maxStep(tone);
    assert.ok(maxStep(head) <= own + 1e-6);
    assert.ok(maxStep(tail) <= own + 1e-6);
    assert.equal(voice.state, "finished");
    assert.ok(Math.abs(head[0] as number) < 0.01, "the first frame starts near silence");
  });

  test("a looped tone has no click at its seam and a looped noise holds its level within 1 dB", () => {
    // 0.5 s of a tone whose period does not divide the clip: a bare jump back would click.
    const tone = sine(441.3, 0.5, RATE, 0.5);
    const mixer = new Mixer(MONO);
    mixer.addVoice(new Voice(new ClipPlayback(clipOf(tone), { loop: true, overlap: 2400 })));
    const looped = renderAll(mixer, 2 * RATE, 960);
    assert.ok(maxStep(looped, 480) <= maxStep(tone) * 1.05, `seam step ${maxStep(looped, 480)}`);

    const bed = noise(0.5, RATE, 0.3, 3);
    const mixer2 = new Mixer(MONO);
    mixer2.addVoice(new Voice(new ClipPlayback(clipOf(bed), { loop: true, overlap: 2400 })));
    const out = renderAll(mixer2, 2 * RATE, 960);
    const reference = rmsDb(bed);
    for (let at = 4800; at + 2400 <= out.length; at += 2400) {
      const level = rmsDb(out.subarray(at, at + 2400));
      assert.ok(Math.abs(level - reference) < 1, `level ${level.toFixed(2)} dB at frame ${at}`);
    }
  });
});

describe("mix bus", () => {
  test("the limiter keeps a hot mix under -1 dBFS without clipping hard", () => {
    const mixer = new Mixer(MONO);
    for (let i = 0; i < 3; i++)
      mixer.addVoice(new Voice(new ClipPlayback(clipOf(sine(200 + i, 1, RATE, 0.9)))));
    const out = renderAll(mixer, RATE, 960);
    const ceiling = 10 ** (-1 / 20);
    assert.ok(peak(out) <= ceiling + 1e-6, `peak ${peak(out)}`);
    assert.ok(mixer.limiter.reductionDb > 3);
    const limiter = new Limiter(RATE);
    const quiet = sine(100, 0.1, RATE, 0.5);
    const copy = quiet.slice();
    limiter.process(copy, copy.length, 1);
    assert.deepEqual(copy, quiet, "under the ceiling the limiter changes nothing");
  });

  test("ducking lowers the bed by 8 dB while the agent speaks, and effects not at all", () => {
    const mixer = new Mixer(MONO, { ducking: { ...DEFAULT_DUCKING } });
    mixer.addVoice(
      new Voice(new ClipPlayback(clipOf(noise(1, RATE, 0.2, 5)), { loop: true, overlap: 240 }), {
        bus: "bed",
      }),
    );
    const before = renderAll(mixer, RATE / 2, 960);
    mixer.ducker.agentSpeaking = true;
    renderAll(mixer, RATE / 5, 960); // attack: 80 ms
    const during = renderAll(mixer, RATE / 2, 960);
    assert.ok(Math.abs(rmsDb(during) - rmsDb(before) + 8) < 0.3, `${rmsDb(during) - rmsDb(before)} dB`);
    const fx = new Mixer(MONO, { ducking: { ...DEFAULT_DUCKING } });
    fx.addVoice(new Voice(new ClipPlayback(clipOf(sine(300, 2, RATE, 0.3)))));
    fx.ducker.agentSpeaking = true;
    assert.ok(
      Math.abs(rmsDb(renderAll(fx, RATE, 960).subarray(4800)) - rmsDb(sine(300, 1, RATE, 0.3))) < 0.05,
    );
  });
});

describe("cues", () => {
  function cueRig(options = DEFAULT_CUE) {
    const mixer = new Mixer(MONO, { thinking: { ...options } });
    const tone = clipOf(sine(500, 0.3, RATE, 0.5));
    const factory = (fadeIn: number) =>
      new Voice(new ClipPlayback(tone, { loop: options.loop, overlap: 240 }), { fadeIn, bus: "bed" });
    return { mixer, factory };
  }

  test("a thought shorter than the delay makes no sound", () => {
    const { mixer, factory } = cueRig();
    mixer.submit(() => mixer.thinking.activate(mixer.position, factory));
    renderAll(mixer, RATE * 0.3, 960);
    mixer.submit(() => mixer.thinking.deactivate(mixer.position));
    const out = renderAll(mixer, RATE, 960);
    assert.equal(mixer.thinking.starts, 0);
    assert.equal(peak(out), 0);
  });

  test("a long thought starts after 0.5 s, loops, and plays at least minPlay", () => {
    const { mixer, factory } = cueRig();
    mixer.submit(() => mixer.thinking.activate(mixer.position, factory));
    const out = renderAll(mixer, RATE * 2, 960);
    const onset = out.findIndex((v) => v !== 0);
    assert.ok(Math.abs(onset - RATE * 0.5) <= 960, `onset at frame ${onset}`);
    assert.ok(rmsDb(out.subarray(RATE * 1.5)) > -12, "still looping after the clip's own 0.3 s");
    mixer.submit(() => mixer.thinking.deactivate(mixer.position));
    renderAll(mixer, RATE, 960);
    assert.equal(mixer.thinking.phase, "held", "paused, ready to resume in the next tool cycle");
  });

  test("LiveKit's immediate rules start at once", () => {
    const { mixer, factory } = cueRig({ ...IMMEDIATE_CUE });
    mixer.submit(() => mixer.thinking.activate(mixer.position, factory));
    const out = renderAll(mixer, 4800, 960);
    assert.ok(out.findIndex((v) => v !== 0) < 960);
  });

  test("a cue controller counts frames, not wall time", () => {
    const added: Voice[] = [];
    const cue = new CueController({ ...DEFAULT_CUE }, RATE, (v) => added.push(v));
    const v = new Voice(new ClipPlayback(clipOf(sine(1, 0.1, RATE))));
    cue.activate(0, () => v);
    cue.update(23999);
    assert.equal(added.length, 0);
    cue.update(24000);
    assert.equal(added.length, 1);
  });
});
