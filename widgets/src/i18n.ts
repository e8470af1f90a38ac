/** User-interface strings. Message texts come from the server in the conversation's language. */

export interface Strings {
  openChat: string;
  openChatUnread: string;
  closeChat: string;
  title: string;
  greeting: string;
  inputLabel: string;
  placeholder: string;
  send: string;
  talkToPerson: string;
  /** Sent as the visitor's message with quick_reply "/human_handoff". */
  talkToPersonText: string;
  connecting: string;
  reconnecting: string;
  waitingForPerson: string;
  sending: string;
  sent: string;
  notSent: string;
  typing: string;
  you: string;
  bot: string;
  agent: string;
  system: string;
  image: string;
  /** Header subtitle while a person is on the chat; {name} is the agent's name. */
  agentSubtitle: string;
  /** {name} is the agent's name. */
  typingNamed: string;
  /** {n} is the visitor's position in the queue. */
  queuePosition: string;
  /** {d} is a duration such as "3 min". */
  queueWait: string;
  /** How {d} spells minutes, as Intl.NumberFormat's unitDisplay; "short" unless the short form reads badly. */
  minuteDisplay?: "long";
  /** Under the visitor's message an agent has read. */
  seen: string;
  leaveTitle: string;
  email: string;
  message: string;
  sendMessage: string;
  /** {email} is the address the visitor gave. */
  leaveThanks: string;
  invalidEmail: string;
  emptyMessage: string;
  leaveFailed: string;
}

const en: Strings = {
  openChat: "Open chat",
  openChatUnread: "Open chat, new messages",
  closeChat: "Close chat",
  title: "Chat with us",
  greeting: "Hi! How can we help you today?",
  inputLabel: "Your message",
  placeholder: "Type a message…",
  send: "Send",
  talkToPerson: "Talk to a person",
  talkToPersonText: "I'd like to talk to a person",
  connecting: "Connecting…",
  reconnecting: "Reconnecting…",
  waitingForPerson: "Waiting for a person…",
  sending: "Sending…",
  sent: "Sent",
  notSent: "Not sent",
  typing: "Typing…",
  you: "You",
  bot: "Assistant",
  agent: "Agent",
  system: "Notice",
  image: "Image",
  agentSubtitle: "{name} from the shop team",
  typingNamed: "{name} is typing…",
  queuePosition: "You are number {n} in line",
  queueWait: "about {d}",
  seen: "Seen",
  leaveTitle: "Leave a message",
  email: "Email",
  message: "Message",
  sendMessage: "Send message",
  leaveThanks: "Thanks! We'll reply to {email}.",
  invalidEmail: "Please enter a valid email address.",
  emptyMessage: "Please write a message.",
  leaveFailed: "Your message could not be sent. Please try again.",
};

const pl: Strings = {
  openChat: "Otwórz czat",
  openChatUnread: "Otwórz czat, nowe wiadomości",
  closeChat: "Zamknij czat",
  title: "Porozmawiaj z nami",
  greeting: "Dzień dobry! W czym możemy pomóc?",
  inputLabel: "Twoja wiadomość",
  placeholder: "Napisz wiadomość…",
  send: "Wyślij",
  talkToPerson: "Porozmawiaj z konsultantem",
  talkToPersonText: "Chcę porozmawiać z konsultantem",
  connecting: "Łączenie…",
  reconnecting: "Ponowne łączenie…",
  waitingForPerson: "Czekamy na konsultanta…",
  sending: "Wysyłanie…",
  sent: "Wysłano",
  notSent: "Nie wysłano",
  typing: "Pisze…",
  you: "Ty",
  bot: "Asystent",
  agent: "Konsultant",
  system: "Informacja",
  image: "Obraz",
  agentSubtitle: "{name} z zespołu sklepu",
  typingNamed: "{name} pisze…",
  queuePosition: "Twoje miejsce w kolejce: {n}",
  queueWait: "ok. {d}",
  seen: "Wyświetlono",
  leaveTitle: "Zostaw wiadomość",
  email: "E-mail",
  message: "Wiadomość",
  sendMessage: "Wyślij wiadomość",
  leaveThanks: "Dziękujemy! Odpowiemy na adres {email}.",
  invalidEmail: "Podaj poprawny adres e-mail.",
  emptyMessage: "Napisz wiadomość.",
  leaveFailed: "Nie udało się wysłać wiadomości. Spróbuj ponownie.",
};

const es: Strings = {
  openChat: "Abrir chat",
  openChatUnread: "Abrir chat, mensajes nuevos",
  closeChat: "Cerrar chat",
  title: "Chatea con nosotros",
  greeting: "¡Hola! ¿En qué podemos ayudarte?",
  inputLabel: "Tu mensaje",
  placeholder: "Escribe un mensaje…",
  send: "Enviar",
  talkToPerson: "Hablar con una persona",
  talkToPersonText: "Me gustaría hablar con una persona",
  connecting: "Conectando…",
  reconnecting: "Reconectando…",
  waitingForPerson: "Esperando a una persona…",
  sending: "Enviando…",
  sent: "Enviado",
  notSent: "No enviado",
  typing: "Escribiendo…",
  you: "Tú",
  bot: "Asistente",
  agent: "Agente",
  system: "Aviso",
  image: "Imagen",
  agentSubtitle: "{name}, del equipo de la tienda",
  typingNamed: "{name} está escribiendo…",
  queuePosition: "Eres el número {n} en la cola",
  queueWait: "unos {d}",
  seen: "Visto",
  leaveTitle: "Deja un mensaje",
  email: "Correo electrónico",
  message: "Mensaje",
  sendMessage: "Enviar mensaje",
  leaveThanks: "¡Gracias! Te responderemos a {email}.",
  invalidEmail: "Introduce un correo electrónico válido.",
  emptyMessage: "Escribe un mensaje.",
  leaveFailed: "No se pudo enviar el mensaje. Inténtalo de nuevo.",
};

const ru: Strings = {
  openChat: "Открыть чат",
  openChatUnread: "Открыть чат, новые сообщения",
  closeChat: "Закрыть чат",
  title: "Напишите нам",
  greeting: "Здравствуйте! Чем мы можем помочь?",
  inputLabel: "Ваше сообщение",
  placeholder: "Введите сообщение…",
  send: "Отправить",
  talkToPerson: "Связаться с оператором",
  talkToPersonText: "Я хочу поговорить с оператором",
  connecting: "Подключение…",
  reconnecting: "Переподключение…",
  waitingForPerson: "Ожидание оператора…",
  sending: "Отправка…",
  sent: "Отправлено",
  notSent: "Не отправлено",
  typing: "Печатает…",
  you: "Вы",
  bot: "Ассистент",
  agent: "Оператор",
  system: "Уведомление",
  image: "Изображение",
  agentSubtitle: "{name} из команды магазина",
  typingNamed: "{name} печатает…",
  queuePosition: "Ваш номер в очереди: {n}",
  queueWait: "около {d}",
  seen: "Прочитано",
  leaveTitle: "Оставьте сообщение",
  email: "Электронная почта",
  message: "Сообщение",
  sendMessage: "Отправить сообщение",
  leaveThanks: "Спасибо! Мы ответим на {email}.",
  invalidEmail: "Введите корректный адрес электронной почты.",
  emptyMessage: "Напишите сообщение.",
  leaveFailed: "Не удалось отправить сообщение. Попробуйте ещё раз.",
};

const ar: Strings = {
  openChat: "فتح الدردشة",
  openChatUnread: "فتح الدردشة، رسائل جديدة",
  closeChat: "إغلاق الدردشة",
  title: "تحدث معنا",
  greeting: "مرحبًا! كيف يمكننا مساعدتك اليوم؟",
  inputLabel: "رسالتك",
  placeholder: "اكتب رسالة…",
  send: "إرسال",
  talkToPerson: "التحدث إلى موظف",
  talkToPersonText: "أود التحدث إلى موظف",
  connecting: "جارٍ الاتصال…",
  reconnecting: "جارٍ إعادة الاتصال…",
  waitingForPerson: "في انتظار أحد الموظفين…",
  sending: "جارٍ الإرسال…",
  sent: "تم الإرسال",
  notSent: "لم يتم الإرسال",
  typing: "يكتب…",
  you: "أنت",
  bot: "المساعد",
  agent: "الموظف",
  system: "إشعار",
  image: "صورة",
  agentSubtitle: "{name} من فريق المتجر",
  typingNamed: "{name} يكتب…",
  queuePosition: "ترتيبك في قائمة الانتظار: {n}",
  queueWait: "حوالي {d}",
  // The short form is a bare "د".
  minuteDisplay: "long",
  seen: "تمت المشاهدة",
  leaveTitle: "اترك رسالة",
  email: "البريد الإلكتروني",
  message: "الرسالة",
  sendMessage: "إرسال الرسالة",
  leaveThanks: "شكرًا! سنرد عليك على {email}.",
  invalidEmail: "يُرجى إدخال بريد إلكتروني صالح.",
  emptyMessage: "يُرجى كتابة رسالة.",
  leaveFailed: "تعذّر إرسال الرسالة. يُرجى المحاولة مرة أخرى.",
};

const fa: Strings = {
  openChat: "باز کردن گفتگو",
  openChatUnread: "باز کردن گفتگو، پیام‌های جدید",
  closeChat: "بستن گفتگو",
  title: "با ما گفتگو کنید",
  greeting: "سلام! چطور می‌توانیم کمکتان کنیم؟",
  inputLabel: "پیام شما",
  placeholder: "پیامی بنویسید…",
  send: "ارسال",
  talkToPerson: "گفتگو با پشتیبان",
  talkToPersonText: "می‌خواهم با یک پشتیبان صحبت کنم",
  connecting: "در حال اتصال…",
  reconnecting: "در حال اتصال مجدد…",
  waitingForPerson: "در انتظار پشتیبان…",
  sending: "در حال ارسال…",
  sent: "ارسال شد",
  notSent: "ارسال نشد",
  typing: "در حال نوشتن…",
  you: "شما",
  bot: "دستیار",
  agent: "پشتیبان",
  system: "اطلاعیه",
  image: "تصویر",
  agentSubtitle: "{name} از تیم فروشگاه",
  typingNamed: "{name} در حال نوشتن است…",
  queuePosition: "نوبت شما در صف: {n}",
  queueWait: "حدود {d}",
  seen: "دیده شد",
  leaveTitle: "پیام بگذارید",
  email: "ایمیل",
  message: "پیام",
  sendMessage: "ارسال پیام",
  leaveThanks: "متشکریم! به {email} پاسخ می‌دهیم.",
  invalidEmail: "لطفاً یک نشانی ایمیل معتبر وارد کنید.",
  emptyMessage: "لطفاً پیامی بنویسید.",
  leaveFailed: "پیام ارسال نشد. لطفاً دوباره تلاش کنید.",
};

const TABLE: Record<string, Strings> = { en, pl, es, ru, ar, fa };
const RTL = new Set(["ar", "fa"]);

/** "es-MX" → "es"; anything unusable → "en". */
export function baseLanguage(tag: string | null | undefined): string {
  const base = (tag ?? "").trim().toLowerCase().split(/[-_]/)[0];
  return /^[a-z]{2,3}$/.test(base) ? base : "en";
}

export function stringsFor(language: string): Strings {
  return TABLE[language] ?? en;
}

export function directionFor(language: string): "rtl" | "ltr" {
  return RTL.has(language) && language in TABLE ? "rtl" : "ltr";
}
