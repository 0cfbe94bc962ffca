/**
 * A stand-in for a LiveKit Room where a server would be needed: `localParticipant`
 * publishes real @livekit/rtc-node tracks (and remembers them) without connecting anywhere.
 * Everything else in the LiveKit tests is the real SDK: AudioSource, LocalAudioTrack,
 * AudioFrame, and @livekit/agents' AgentSession.
 */
import type { LocalAudioTrack } from "@livekit/rtc-node";

export interface FakePublication {
  sid: string;
  name: string;
  track: LocalAudioTrack;
  options: unknown;
}

export class RoomStandIn {
  readonly published = new Map<string, FakePublication>();
  readonly unpublished: string[] = [];
  private next = 0;
  readonly localParticipant = {
    trackPublications: this.published,
    publishTrack: async (track: LocalAudioTrack, options: unknown): Promise<FakePublication> => {
      this.next += 1;
      const publication = { sid: `TR_${this.next}`, name: track.name ?? "", track, options };
      this.published.set(publication.sid, publication);
      return publication;
    },
    unpublishTrack: async (sid: string): Promise<void> => {
      this.published.delete(sid);
      this.unpublished.push(sid);
    },
  };
}
