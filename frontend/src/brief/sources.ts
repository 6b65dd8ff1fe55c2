// The brief's appendix of sources: every citation a figure carries gets the number of its
// source (first cited, first numbered) and the clause or page it cites, so a reader goes
// from "[3: 二(四)2]" in a table to entry 3 of the appendix. Pure (no DOM), unit-tested.

export interface CitationLike {
  text: string;
  sourceId: string;
  locator: string;
  source?: { id: string; title: string; publisher?: string | null; date?: string | null; url?: string | null; licence?: string | null } | null;
}

/** One numbered entry of the appendix. */
export interface SourceEntry {
  n: number;
  id: string;
  title: string;
  publisher: string;
  date: string;
  url: string;
  licence: string;
  /** Clauses or pages cited, in the order first cited. */
  locators: string[];
}

/** Bounds what a hostile or careless dataset can make the appendix hold. */
const MAX_LOCATORS = 40;
const MAX_FIELD = 400;

const clip = (s: string | null | undefined) => (s ?? '').replace(/\s+/g, ' ').trim().slice(0, MAX_FIELD);

export class SourceRegistry {
  private readonly byId = new Map<string, SourceEntry>();

  /** Registers a source that is not a citation (the dataset itself) and returns its number. */
  add(id: string, title: string, extra: { publisher?: string | null; date?: string | null; url?: string | null; licence?: string | null } = {}): number {
    const known = this.byId.get(id);
    if (known) return known.n;
    const e: SourceEntry = {
      n: this.byId.size + 1, id, title: clip(title) || id,
      publisher: clip(extra.publisher), date: clip(extra.date), url: clip(extra.url), licence: clip(extra.licence), locators: [],
    };
    this.byId.set(id, e);
    return e.n;
  }

  /** The reference to one citation: "[n]" or "[n: locator]"; numbers its source on first sight. */
  cite(c: CitationLike): string {
    const s = c.source;
    const n = this.add(c.sourceId, s?.title ?? c.text, { publisher: s?.publisher, date: s?.date, url: s?.url, licence: s?.licence });
    const e = this.byId.get(c.sourceId)!;
    const loc = clip(c.locator);
    if (loc && !e.locators.includes(loc) && e.locators.length < MAX_LOCATORS) e.locators.push(loc);
    return loc ? `[${n}: ${loc}]` : `[${n}]`;
  }

  /** The references to a list of citations, each once, in order. */
  citeAll(list: readonly CitationLike[]): string {
    return [...new Set(list.map((c) => this.cite(c)))].join('');
  }

  /** The appendix, by number. */
  entries(): SourceEntry[] {
    return [...this.byId.values()].sort((a, b) => a.n - b.n);
  }
}
