/**
 * One-time tokens that let an engine page trust the port it is offered. The background issues a token to a content
 * script (identified by its tab), and the engine page in the same tab redeems it once. A page script cannot ask the
 * background for a token (it has no extension messaging), so a hostile call page cannot attach its own port to the
 * engine or take over Unmask's.
 */
const TOKEN_TTL_MS = 30_000;

export class EngineTokens {
  private readonly issued = new Map<string, { tabId: number; expires: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  issue(tabId: number): string {
    this.expire();
    const bytes = crypto.getRandomValues(new Uint8Array(24));
    const token = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
    this.issued.set(token, { tabId, expires: this.now() + TOKEN_TTL_MS });
    return token;
  }

  /** True once for a token issued to the same tab and not expired; the token is spent either way. */
  redeem(token: string, tabId: number): boolean {
    this.expire();
    const entry = this.issued.get(token);
    this.issued.delete(token);
    return entry !== undefined && entry.tabId === tabId;
  }

  private expire(): void {
    const now = this.now();
    for (const [token, entry] of this.issued) if (entry.expires < now) this.issued.delete(token);
  }
}
