/** A client_id for an outgoing message: unique per message, reused on retry. */
export function newClientId(): string {
  const c = globalThis.crypto;
  // randomUUID only exists in secure contexts (https, localhost).
  if (c && typeof c.randomUUID === "function") return c.randomUUID();
  const bytes = new Uint8Array(16);
  if (c && typeof c.getRandomValues === "function") {
    c.getRandomValues(bytes);
  } else {
    for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
  }
  return "c-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
