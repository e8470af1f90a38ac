/**
 * The optional new-reply sound: a short WebAudio chime, off unless the visitor switched it on
 * (remembered in localStorage). Browsers let a page play sound only after the visitor interacted
 * with it, so nothing is even tried before that.
 */
import type { KeyValueStore } from "./storage";

const KEY = "sound";
const NOTES_HZ = [660, 880];
const NOTE_S = 0.12;
const VOLUME = 0.15;

type AudioContextClass = typeof AudioContext;

export class Sound {
  private context: AudioContext | null = null;

  constructor(private readonly store: KeyValueStore) {}

  get enabled(): boolean {
    return this.store.get(KEY) === "1";
  }

  /** Switch the sound on or off; switching on (a click, so audio may start) plays it once. */
  set(on: boolean): void {
    if (on) {
      this.store.set(KEY, "1");
      this.beep();
    } else {
      this.store.remove(KEY);
    }
  }

  beep(): void {
    if (!this.enabled) return;
    const activation = (navigator as Navigator & { userActivation?: { hasBeenActive: boolean } }).userActivation;
    // Without any interaction the context would only be refused (and complain in the console).
    if (activation && !activation.hasBeenActive) return;
    try {
      const context = this.audio();
      if (!context) return;
      if (context.state === "suspended") void context.resume().catch(() => undefined);
      const start = context.currentTime + 0.01;
      NOTES_HZ.forEach((hz, i) => {
        const at = start + i * NOTE_S;
        const oscillator = context.createOscillator();
        const gain = context.createGain();
        oscillator.frequency.value = hz;
        gain.gain.setValueAtTime(0, at);
        gain.gain.linearRampToValueAtTime(VOLUME, at + 0.01);
        gain.gain.exponentialRampToValueAtTime(0.0001, at + NOTE_S);
        oscillator.connect(gain).connect(context.destination);
        oscillator.start(at);
        oscillator.stop(at + NOTE_S);
      });
    } catch {
      // No audio on this device: the badge still tells.
    }
  }

  private audio(): AudioContext | null {
    if (!this.context) {
      const w = window as Window & { webkitAudioContext?: AudioContextClass };
      const Context = window.AudioContext ?? w.webkitAudioContext;
      if (!Context) return null;
      this.context = new Context();
    }
    return this.context;
  }
}
