/**
 * The widget's language and what the launcher says in it. The rest of the strings
 * (i18n.ts) come with the panel, so a shop page that never opens the chat does not load them.
 */

export interface LauncherStrings {
  openChat: string;
  closeChat: string;
  /** "Open chat, {n} unread messages" by the language's plural category (Intl.PluralRules); `other` is required. */
  unread: Partial<Record<Intl.LDMLPluralRule, string>> & { other: string };
}

const TABLE: Record<string, LauncherStrings> = {
  en: {
    openChat: "Open chat",
    closeChat: "Close chat",
    unread: { one: "Open chat, {n} unread message", other: "Open chat, {n} unread messages" },
  },
  pl: {
    openChat: "Otwórz czat",
    closeChat: "Zamknij czat",
    unread: {
      one: "Otwórz czat, {n} nieprzeczytana wiadomość",
      few: "Otwórz czat, {n} nieprzeczytane wiadomości",
      other: "Otwórz czat, {n} nieprzeczytanych wiadomości",
    },
  },
  es: {
    openChat: "Abrir chat",
    closeChat: "Cerrar chat",
    unread: { one: "Abrir chat, {n} mensaje sin leer", other: "Abrir chat, {n} mensajes sin leer" },
  },
  ru: {
    openChat: "Открыть чат",
    closeChat: "Закрыть чат",
    unread: {
      one: "Открыть чат, {n} непрочитанное сообщение",
      few: "Открыть чат, {n} непрочитанных сообщения",
      other: "Открыть чат, {n} непрочитанных сообщений",
    },
  },
  ar: {
    openChat: "فتح الدردشة",
    closeChat: "إغلاق الدردشة",
    unread: {
      one: "فتح الدردشة، رسالة واحدة غير مقروءة",
      two: "فتح الدردشة، رسالتان غير مقروءتين",
      few: "فتح الدردشة، {n} رسائل غير مقروءة",
      other: "فتح الدردشة، {n} رسالة غير مقروءة",
    },
  },
  fa: {
    openChat: "باز کردن گفتگو",
    closeChat: "بستن گفتگو",
    unread: { other: "باز کردن گفتگو، {n} پیام خوانده‌نشده" },
  },
};

const RTL = new Set(["ar", "fa"]);

/** "es-MX" → "es"; anything unusable → "en". */
export function baseLanguage(tag: string | null | undefined): string {
  const base = (tag ?? "").trim().toLowerCase().split(/[-_]/)[0];
  return /^[a-z]{2,3}$/.test(base) ? base : "en";
}

export function directionFor(language: string): "rtl" | "ltr" {
  return RTL.has(language) ? "rtl" : "ltr";
}

export function launcherStrings(language: string): LauncherStrings {
  return TABLE[language] ?? TABLE.en;
}

/** The launcher's name: "Open chat", "Open chat, 2 unread messages" or "Close chat". */
export function launcherLabel(language: string, open: boolean, unread: number): string {
  const t = launcherStrings(language);
  if (open) return t.closeChat;
  if (unread <= 0) return t.openChat;
  const lang = language in TABLE ? language : "en";
  const template = t.unread[new Intl.PluralRules(lang).select(unread)] ?? t.unread.other;
  return template.replace("{n}", unread.toLocaleString(lang));
}
