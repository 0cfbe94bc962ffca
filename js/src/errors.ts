/**
 * The one error family of roomtone, with the same names and wording as the Python package:
 *
 * ```
 * RoomtoneError
 * ├── SourceError                 a sound that cannot be used; `.source` names it
 * │   ├── AudioFileNotFoundError
 * │   ├── DecodeError             corrupt, unsupported or audio-less file
 * │   └── StreamError             an async iterable that threw or yielded garbage
 * ├── PlayerStateError            start twice, play before start, restart after close
 * └── OutputError                 an output that failed or cannot be used
 * ```
 */

/** Base of every error roomtone throws on purpose. */
export class RoomtoneError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A sound that cannot be played; `source` names it (a path or a description). */
export class SourceError extends RoomtoneError {
  readonly source: string;

  constructor(message: string, source: string) {
    super(message);
    this.source = source;
  }
}

/** The path does not exist or is not a readable regular file. */
export class AudioFileNotFoundError extends SourceError {}

/** The file exists but holds no decodable audio (corrupt, unsupported, no audio stream). */
export class DecodeError extends SourceError {}

/** An async iterable source threw, or yielded something that is not an audio frame. */
export class StreamError extends SourceError {}

/** The player was used out of order: play before start, start twice, start after close. */
export class PlayerStateError extends RoomtoneError {}

/** An output failed, or cannot be used with the given settings. */
export class OutputError extends RoomtoneError {}
