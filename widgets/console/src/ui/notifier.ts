/** New-chat notifications: the "(N) Agent console" title badge, a short beep and a toast. */
import { BASE_TITLE, UnseenCounter } from "../badge";
import { el } from "./dom";

const SOUND_KEY = "livechat.console.sound";
const TOAST_MS = 6_000;
const MAX_TOASTS = 4;

export function loadSoundPreference(): boolean {
  try {
    return window.localStorage.getItem(SOUND_KEY) !== "off";
  } catch {
    return true;
  }
}

export function saveSoundPreference(on: boolean): void {
  try {
    window.localStorage.setItem(SOUND_KEY, on ? "on" : "off");
  } catch {
    // Storage disabled: the choice lasts for this page only.
  }
}

/** A short two-tone beep from an oscillator (no audio files, nothing to fetch). */
class Beeper {
  private context: AudioContext | null = null;

  /** Browsers only allow audio after a user gesture: call this from one (e.g. the login click). */
  unlock(): void {
    // Without a gesture so far the browser would refuse (and warn); the next gesture unlocks.
    const activation = (navigator as Navigator & { userActivation?: { hasBeenActive: boolean } }).userActivation;
    if (activation && !activation.hasBeenActive) return;
    try {
      const Ctor = window.AudioContext ?? (window as unknown as { webkitAudioContext?: typeof AudioContext }).webkitAudioContext;
      if (!Ctor) return;
      this.context ??= new Ctor();
      if (this.context.state === "suspended") void this.context.resume();
    } catch {
      this.context = null;
    }
  }

  beep(): void {
    const ctx = this.context;
    if (!ctx || ctx.state !== "running") return;
    const start = ctx.currentTime;
    const gain = ctx.createGain();
    gain.gain.setValueAtTime(0.0001, start);
    gain.gain.exponentialRampToValueAtTime(0.15, start + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.35);
    gain.connect(ctx.destination);
    const osc = ctx.createOscillator();
    osc.type = "sine";
    osc.frequency.setValueAtTime(880, start);
    osc.frequency.setValueAtTime(1320, start + 0.12);
    osc.connect(gain);
    osc.start(start);
    osc.stop(start + 0.36);
    osc.addEventListener("ended", () => gain.disconnect(), { once: true });
  }
}

export class Notifier {
  readonly element: HTMLElement;
  private readonly counter = new UnseenCounter();
  private readonly beeper = new Beeper();
  private soundOn = loadSoundPreference();
  private readonly onFocus = () => this.seen();
  private readonly onGesture = () => this.beeper.unlock();

  constructor() {
    this.element = el("div", { className: "toasts", attrs: { role: "status", "aria-live": "polite" } });
    window.addEventListener("focus", this.onFocus);
    // Any click or key unlocks audio, whatever the browser's autoplay policy.
    document.addEventListener("pointerdown", this.onGesture, true);
    document.addEventListener("keydown", this.onGesture, true);
    this.updateTitle();
  }

  get sound(): boolean {
    return this.soundOn;
  }

  setSound(on: boolean): void {
    this.soundOn = on;
    saveSoundPreference(on);
    if (on) this.beeper.unlock();
  }

  unlockAudio(): void {
    this.beeper.unlock();
  }

  /** Something new for the agent; `key` dedupes the same event arriving by two routes. */
  notify(key: string, text: string): void {
    if (!this.counter.bump(key, Date.now())) return;
    this.updateTitle();
    if (this.soundOn) this.beeper.beep();
    this.toast(text);
  }

  /** The agent looked: clear the badge. */
  seen(): void {
    this.counter.reset();
    this.updateTitle();
  }

  dispose(): void {
    window.removeEventListener("focus", this.onFocus);
    document.removeEventListener("pointerdown", this.onGesture, true);
    document.removeEventListener("keydown", this.onGesture, true);
    this.counter.reset();
    document.title = BASE_TITLE;
  }

  private toast(text: string): void {
    const t = el("div", { className: "toast", text });
    this.element.appendChild(t);
    while (this.element.childElementCount > MAX_TOASTS) this.element.firstElementChild?.remove();
    setTimeout(() => t.remove(), TOAST_MS);
  }

  private updateTitle(): void {
    document.title = this.counter.title;
  }
}
