import { randomBytes } from "node:crypto";
import type { Notice } from "./view-context.ts";

/** How long an action's notice waits for the page it redirected to. */
const NOTICE_TTL_MS = 60_000;
const MAX_NOTICES = 200;

/**
 * Notices that outlive a redirect: an action stores what it did, the redirect names it
 * (`?notice=ID`), and the next page shows it once. Kept here, not in the URL, so no link can
 * put words on the console's pages.
 */
export class NoticeBoard {
  private readonly notices = new Map<string, { notice: Notice; expiresAt: number }>();

  /** Stores a notice; returns the id the redirect carries. */
  post(notice: Notice, nowMs = Date.now()): string {
    for (const [id, entry] of this.notices) {
      if (entry.expiresAt < nowMs || this.notices.size >= MAX_NOTICES) this.notices.delete(id);
    }
    const id = randomBytes(9).toString("base64url");
    this.notices.set(id, { notice, expiresAt: nowMs + NOTICE_TTL_MS });
    return id;
  }

  /** The notice with this id, once; undefined if there is none (or it expired). */
  take(id: string | null, nowMs = Date.now()): Notice | undefined {
    if (!id) return undefined;
    const entry = this.notices.get(id);
    this.notices.delete(id);
    return entry && entry.expiresAt >= nowMs ? entry.notice : undefined;
  }
}
