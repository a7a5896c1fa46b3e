// The Message box's "@" suggestions: which members are offered while "@…" is typed, which one is
// active for the keyboard, and which mentions were picked (the message keeps those whose "@name"
// is still in the text when it is sent). Pure state over strings; the component wires the DOM.
import { keptMentions, matchMembers, mentionQuery, type MentionCandidate, type MentionQuery } from '../core/mentions.ts';
import { insertAt } from './text-edit.ts';

export class MentionPicker {
  options = $state.raw<MentionCandidate[]>([]);
  active = $state(0);
  private query: MentionQuery | null = null;
  private picked: MentionCandidate[] = [];

  /** The text or caret changed: offer the members matching what follows the "@" being typed. */
  update(text: string, caret: number, candidates: () => MentionCandidate[]): void {
    this.query = mentionQuery(text, caret);
    this.options = this.query ? matchMembers(candidates(), this.query.query) : [];
    this.active = 0;
  }

  get open(): boolean {
    return this.options.length > 0;
  }

  /** Moves the active option by `delta`, wrapping around. */
  move(delta: number): void {
    const n = this.options.length;
    if (n > 0) this.active = (this.active + delta + n) % n;
  }

  /** Replaces the "@query" before the caret with "@name " of the chosen (default: active) member. */
  pick(text: string, caret: number, chosen = this.options[this.active]): { text: string; caret: number } | null {
    if (!this.query || !chosen) return null;
    const r = insertAt(text, this.query.start, caret, `@${chosen.name} `);
    this.picked.push(chosen);
    this.close();
    return r;
  }

  close(): void {
    this.query = null;
    this.options = [];
    this.active = 0;
  }

  /** The account ids to sign into a message with this text. */
  mentions(text: string): string[] {
    return keptMentions(text, this.picked);
  }

  /** After sending: nothing picked any more. Returns what was picked, to restore if sending fails. */
  reset(): MentionCandidate[] {
    const was = this.picked;
    this.picked = [];
    this.close();
    return was;
  }

  restore(picked: MentionCandidate[]): void {
    this.picked = picked;
  }
}
