/** Decoding: our WAV reader, the WebAssembly decoders, resampling, the cache, and errors. */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { BuiltinAudioClip, builtinPath } from "../src/config.js";
import { AudioFileNotFoundError, DecodeError, RoomtoneError, SourceError } from "../src/errors.js";
import { AudioFormat } from "../src/format.js";
import { ClipCache } from "../src/sources/cache.js";
import { decodeBytes } from "../src/sources/decode.js";
import { runDecode } from "../src/sources/decodeJob.js";
import { openClip } from "../src/sources/loader.js";
import { integratedLoudness } from "../src/sources/loudness.js";
import { convertAll } from "../src/sources/resample.js";
import { decodeWav, encodeWav16 } from "../src/sources/wav.js";
import { FIXTURES, noise, peak, rmsDb, sine, tempDir, writeWav } from "./helpers.js";

function wavBytes(opts: {
  format: number;
  bits: number;
  channels?: number;
  rate?: number;
  body: Uint8Array;
  extra?: Uint8Array;
  extensible?: boolean;
}): Uint8Array {
  const channels = opts.channels ?? 1;
  const rate = opts.rate ?? 8000;
  const fmtSize = opts.extensible ? 40 : 16;
  const extra = opts.extra ?? new Uint8Array(0);
  const size = 12 + extra.length + 8 + fmtSize + 8 + opts.body.length + (opts.body.length & 1);
  const bytes = new Uint8Array(size);
  const v = new DataView(bytes.buffer);
  const ascii = (at: number, s: string) => {
    for (let i = 0; i < s.length; i++) v.setUint8(at + i, s.charCodeAt(i));
  };
  ascii(0, "RIFF");
  v.setUint32(4, size - 8, true);
  ascii(8, "WAVE");
  let at = 12;
  bytes.set(extra, at); // an unknown chunk before fmt
  at += extra.length;
  ascii(at, "fmt ");
  v.setUint32(at + 4, fmtSize, true);
  v.setUint16(at + 8, opts.extensible ? 0xfffe : opts.format, true);
  v.setUint16(at + 10, channels, true);
  v.setUint32(at + 12, rate, true);
  v.setUint32(at + 16, (rate * channels * opts.bits) / 8, true);
  v.setUint16(at + 20, (channels * opts.bits) / 8, true);
  v.setUint16(at + 22, opts.bits, true);
  if (opts.extensible) v.setUint16(at + 8 + 24, opts.format, true);
  at += 8 + fmtSize;
  ascii(at, "data");
  v.setUint32(at + 4, opts.body.length, true);
  bytes.set(opts.body, at + 8);
  return bytes;
}

describe("our WAV reader", () => {
  test("16, 24 and 32-bit PCM, float 32 and 64, extensible, a chunk before fmt", () => {
    const i16 = new Int16Array([0, 16384, -32768]);
    assert.deepEqual(
      [...decodeWav(wavBytes({ format: 1, bits: 16, body: new Uint8Array(i16.buffer) }), "a").samples],
      [0, 0.5, -1],
    );
    const b24 = new Uint8Array([0, 0, 0x40, 0, 0, 0x80]); // +0.5, -1
    assert.deepEqual(
      [...decodeWav(wavBytes({ format: 1, bits: 24, body: b24, extensible: true }), "b").samples],
      [0.5, -1],
    );
    const f32 = new Float32Array([0.25, Number.NaN, 40]);
    assert.deepEqual(
      [...decodeWav(wavBytes({ format: 3, bits: 32, body: new Uint8Array(f32.buffer) }), "c").samples],
      [0.25, 0, 16],
    );
    const f64 = new Float64Array([-0.125]);
    assert.deepEqual(
      [...decodeWav(wavBytes({ format: 3, bits: 64, body: new Uint8Array(f64.buffer) }), "d").samples],
      [-0.125],
    );
    const u8 = new Uint8Array([128, 192, 0]);
    const extra = new Uint8Array([76, 73, 83, 84, 3, 0, 0, 0, 1, 2, 3, 0]); // "LIST", odd size, pad byte
    assert.deepEqual(
      [...decodeWav(wavBytes({ format: 1, bits: 8, body: u8, extra }), "e").samples],
      [0, 0.5, -1],
    );
  });

  test("a data chunk cut short decodes what is there", () => {
    const bytes = wavBytes({
      format: 1,
      bits: 16,
      body: new Uint8Array(new Int16Array([1000, 2000, 3000]).buffer),
    });
    const cut = bytes.subarray(0, bytes.length - 3);
    assert.equal(decodeWav(cut, "cut").samples.length, 1);
  });

  test("unsupported formats name the reason and the fix", () => {
    assert.throws(() => decodeWav(wavBytes({ format: 7, bits: 8, body: new Uint8Array(4) }), "mulaw.wav"), {
      name: "DecodeError",
      message:
        "cannot decode WAV file 'mulaw.wav': format tag 0x7 is not PCM or IEEE float; convert it to PCM",
    });
    assert.throws(() => decodeWav(new Uint8Array(20), "x.wav"), /not a RIFF\/WAVE file/);
  });

  test("a WAV written by encodeWav16 reads back within one 16-bit step", () => {
    const tone = sine(440, 0.1, 16000, 0.5);
    const back = decodeWav(encodeWav16(tone, 16000, 1), "t").samples;
    for (let i = 0; i < tone.length; i++)
      assert.ok(Math.abs((back[i] as number) - (tone[i] as number)) < 1 / 32767);
  });
});

describe("WebAssembly decoders", () => {
  for (const [suffix, kind] of [
    ["mp3", "MP3"],
    ["ogg", "Ogg Vorbis"],
    ["flac", "FLAC"],
  ] as const) {
    test(`${kind}: our 1.5 s tone at -12 dBFS (-15 dB RMS) comes back`, async () => {
      const out = await runDecode({
        id: 0,
        path: `${FIXTURES}tone440.${suffix}`,
        sampleRate: 48000,
        numChannels: 1,
        targetLufs: null,
      });
      assert.ok(Math.abs(out.length / 48000 - 1.5) < 0.06, `${out.length / 48000} s`);
      const level = rmsDb(out.subarray(4800, out.length - 4800));
      assert.ok(Math.abs(level - (20 * Math.log10(0.25) - 3.01)) < 0.5, `${level} dB`);
    });
  }

  test("Ogg Opus: the built-in typing sound, 10 s, stereo file at 48 kHz", async () => {
    const { readFileSync } = await import("node:fs");
    const decoded = await decodeBytes(readFileSync(builtinPath(BuiltinAudioClip.KEYBOARD_TYPING)), "typing");
    assert.equal(decoded.sampleRate, 48000);
    assert.ok(Math.abs(decoded.samples.length / decoded.numChannels / 48000 - 10) < 0.05);
    assert.ok(peak(decoded.samples) > 0.1);
  });

  test("garbage is a DecodeError that names the file and the formats", async () => {
    const dir = tempDir();
    const path = join(dir, "notes.txt");
    writeFileSync(path, "hello, not audio");
    await assert.rejects(runDecode({ id: 0, path, sampleRate: 48000, numChannels: 1, targetLufs: null }), {
      name: "DecodeError",
      message: new RegExp(`cannot decode '${path}': not a readable audio file`),
    });
  });
});

describe("resampling and loudness", () => {
  test("48 kHz to 16 kHz keeps a 1 kHz tone's level and length", () => {
    const tone = sine(1000, 1, 48000, 0.5);
    const out = convertAll(tone, 48000, 1, 16000, 1);
    assert.ok(Math.abs(out.length - 16000) <= 1, `${out.length} frames`);
    assert.ok(Math.abs(rmsDb(out.subarray(1600, 14400)) - rmsDb(tone)) < 0.05);
  });

  test("16 kHz to 48 kHz stereo: mono copied to both channels", () => {
    const out = convertAll(sine(500, 0.5, 16000, 0.5), 16000, 1, 48000, 2);
    assert.ok(Math.abs(out.length / 2 - 24000) <= 2);
    assert.equal(out[20000], out[20001]);
  });

  test("targetLufs normalises once, at decode", async () => {
    const dir = tempDir();
    const path = writeWav(dir, "bed.wav", noise(3, 48000, 0.5, 9));
    const out = await runDecode({ id: 0, path, sampleRate: 48000, numChannels: 1, targetLufs: -30 });
    assert.ok(Math.abs(integratedLoudness(out, 1, 48000) + 30) < 0.1);
  });
});

describe("opening and caching", () => {
  test("a missing file throws at once, from the error family, with Python's wording", () => {
    const format = new AudioFormat();
    assert.throws(
      () => openClip("/no/such/file.ogg", format),
      (error: unknown) =>
        error instanceof AudioFileNotFoundError &&
        error instanceof SourceError &&
        error instanceof RoomtoneError &&
        error.source === "/no/such/file.ogg" &&
        error.message === "audio file '/no/such/file.ogg' does not exist; check the path",
    );
    assert.throws(() => openClip(tempDir(), format), /is a directory; pass a file inside it/);
  });

  test("one decode per file and format, shared; an edited file decodes again", async () => {
    const cache = new ClipCache();
    const dir = tempDir();
    const path = writeWav(dir, "a.wav", sine(300, 0.2, 48000));
    const format = new AudioFormat();
    const a = openClip(path, format, { cache });
    const b = openClip(path, format, { cache });
    assert.equal(a, b);
    await a.whenDone();
    assert.equal(a.available, 9600);
    assert.equal(cache.stats.hits, 1);
    const other = openClip(path, new AudioFormat(16000), { cache });
    assert.notEqual(other, a);
    await new Promise((r) => setTimeout(r, 20));
    writeWav(dir, "a.wav", sine(300, 0.3, 48000));
    const c = openClip(path, format, { cache });
    await c.whenDone();
    assert.equal(c.available, 14400);
  });

  test("a corrupt file fails its clip with a DecodeError, and is retried next time", async () => {
    const cache = new ClipCache();
    const dir = tempDir();
    const path = join(dir, "bad.ogg");
    writeFileSync(path, Buffer.from("OggS not really"));
    const clip = openClip(path, new AudioFormat(), { cache });
    await clip.whenDone();
    assert.ok(clip.error instanceof DecodeError);
    assert.equal(cache.size, 0);
  });
});
