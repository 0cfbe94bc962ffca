/** The public surface is curated: index.ts exports exactly these names. */
import assert from "node:assert/strict";
import { test } from "node:test";
import * as roomtone from "../src/index.js";

test("the package exports exactly its public names", () => {
  assert.deepEqual(Object.keys(roomtone).sort(), [
    "AudioFileNotFoundError",
    "AudioFormat",
    "BackgroundAudioPlayer",
    "BuiltinAudioClip",
    "ClipCache",
    "DEFAULT_CUE",
    "DEFAULT_DUCKING",
    "DecodeError",
    "IMMEDIATE_CUE",
    "MemoryOutput",
    "NullOutput",
    "OfflineRenderer",
    "OutputError",
    "PlayHandle",
    "PlayerStateError",
    "RoomOutput",
    "RoomtoneError",
    "ScriptedSession",
    "SourceError",
    "StreamError",
    "WavFileOutput",
    "builtinFromName",
    "builtinPath",
    "defaultCache",
    "looksLikeLiveKitRoom",
    "voice",
  ]);
  assert.deepEqual(Object.keys(roomtone.voice).sort(), [
    "BackgroundAudioPlayer",
    "BuiltinAudioClip",
    "PlayHandle",
  ]);
});

test("the same ten built-in sounds as the Python package, its committed files", async () => {
  const { existsSync } = await import("node:fs");
  const names = Object.keys(roomtone.BuiltinAudioClip);
  assert.equal(names.length, 10);
  for (const clip of Object.values(roomtone.BuiltinAudioClip)) {
    const path = roomtone.builtinPath(clip);
    assert.ok(existsSync(path), path);
    assert.match(path, /src\/roomtone\/clips\/data\/[a-z_0-9]+\.ogg$/, "the committed file, not a copy");
  }
});
