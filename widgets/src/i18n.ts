/**
 * The panel's strings (they load with widget-panel.js; the launcher's are in language.ts).
 * Message texts come from the server in the conversation's language.
 */

export interface Strings {
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
  /** The header's toggle button (aria-pressed says whether it is on). */
  sound: string;
  /** The privacy notice's region name. */
  privacy: string;
  notice: string;
  privacyLink: string;
  allow: string;
  decline: string;
  viewProduct: string;
  inStock: string;
  outOfStock: string;
  copyCode: string;
  copied: string;
  copyFailed: string;
  /** {date} is the offer's last day. */
  validUntil: string;
  csatTitle: string;
  /** The five rating choices, 1 to 5. */
  stars: [string, string, string, string, string];
  comment: string;
  sendRating: string;
  csatThanks: string;
  chooseRating: string;
  csatFailed: string;
}

const en: Strings = {
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
  sound: "Sound notifications",
  privacy: "Privacy",
  notice: "We use your chat and page visits to help you shop and to improve our service.",
  privacyLink: "Privacy policy",
  allow: "Allow",
  decline: "No thanks",
  viewProduct: "View product",
  inStock: "In stock",
  outOfStock: "Out of stock",
  copyCode: "Copy code",
  copied: "Code copied",
  copyFailed: "Couldn't copy. Please select the code and copy it yourself.",
  validUntil: "Valid until {date}",
  csatTitle: "How did we do?",
  stars: ["1 star", "2 stars", "3 stars", "4 stars", "5 stars"],
  comment: "Comment",
  sendRating: "Send rating",
  csatThanks: "Thanks for your feedback!",
  chooseRating: "Please choose a rating.",
  csatFailed: "Your rating could not be sent. Please try again.",
};

const pl: Strings = {
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
  sound: "Powiadomienia dźwiękowe",
  privacy: "Prywatność",
  notice: "Wykorzystujemy Twój czat i odwiedzane strony, aby pomagać Ci w zakupach i ulepszać naszą obsługę.",
  privacyLink: "Polityka prywatności",
  allow: "Zezwól",
  decline: "Nie, dziękuję",
  viewProduct: "Zobacz produkt",
  inStock: "Dostępny",
  outOfStock: "Niedostępny",
  copyCode: "Kopiuj kod",
  copied: "Skopiowano kod",
  copyFailed: "Nie udało się skopiować. Zaznacz kod i skopiuj go samodzielnie.",
  validUntil: "Ważne do {date}",
  csatTitle: "Jak nam poszło?",
  stars: ["1 gwiazdka", "2 gwiazdki", "3 gwiazdki", "4 gwiazdki", "5 gwiazdek"],
  comment: "Komentarz",
  sendRating: "Wyślij ocenę",
  csatThanks: "Dziękujemy za opinię!",
  chooseRating: "Wybierz ocenę.",
  csatFailed: "Nie udało się wysłać oceny. Spróbuj ponownie.",
};

const es: Strings = {
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
  sound: "Avisos sonoros",
  privacy: "Privacidad",
  notice: "Usamos tu chat y las páginas que visitas para ayudarte con tus compras y mejorar nuestro servicio.",
  privacyLink: "Política de privacidad",
  allow: "Permitir",
  decline: "No, gracias",
  viewProduct: "Ver producto",
  inStock: "Disponible",
  outOfStock: "Agotado",
  copyCode: "Copiar código",
  copied: "Código copiado",
  copyFailed: "No se pudo copiar. Selecciona el código y cópialo manualmente.",
  validUntil: "Válido hasta el {date}",
  csatTitle: "¿Qué tal te hemos atendido?",
  stars: ["1 estrella", "2 estrellas", "3 estrellas", "4 estrellas", "5 estrellas"],
  comment: "Comentario",
  sendRating: "Enviar valoración",
  csatThanks: "¡Gracias por tu opinión!",
  chooseRating: "Elige una valoración.",
  csatFailed: "No se pudo enviar tu valoración. Inténtalo de nuevo.",
};

const ru: Strings = {
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
  sound: "Звуковые уведомления",
  privacy: "Конфиденциальность",
  notice: "Мы используем ваш чат и посещённые страницы, чтобы помогать вам с покупками и улучшать наш сервис.",
  privacyLink: "Политика конфиденциальности",
  allow: "Разрешить",
  decline: "Нет, спасибо",
  viewProduct: "Посмотреть товар",
  inStock: "В наличии",
  outOfStock: "Нет в наличии",
  copyCode: "Скопировать код",
  copied: "Код скопирован",
  copyFailed: "Не удалось скопировать. Выделите код и скопируйте его вручную.",
  validUntil: "Действует до {date}",
  csatTitle: "Как мы справились?",
  stars: ["1 звезда", "2 звезды", "3 звезды", "4 звезды", "5 звёзд"],
  comment: "Комментарий",
  sendRating: "Отправить оценку",
  csatThanks: "Спасибо за отзыв!",
  chooseRating: "Выберите оценку.",
  csatFailed: "Не удалось отправить оценку. Попробуйте ещё раз.",
};

const ar: Strings = {
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
  sound: "التنبيهات الصوتية",
  privacy: "الخصوصية",
  notice: "نستخدم محادثتك والصفحات التي تزورها لمساعدتك في التسوق ولتحسين خدمتنا.",
  privacyLink: "سياسة الخصوصية",
  allow: "السماح",
  decline: "لا، شكرًا",
  viewProduct: "عرض المنتج",
  inStock: "متوفر",
  outOfStock: "غير متوفر",
  copyCode: "نسخ الرمز",
  copied: "تم نسخ الرمز",
  copyFailed: "تعذّر النسخ. يُرجى تحديد الرمز ونسخه بنفسك.",
  validUntil: "صالح حتى {date}",
  csatTitle: "كيف كانت خدمتنا؟",
  stars: ["نجمة واحدة", "نجمتان", "٣ نجوم", "٤ نجوم", "٥ نجوم"],
  comment: "تعليق",
  sendRating: "إرسال التقييم",
  csatThanks: "شكرًا على ملاحظاتك!",
  chooseRating: "يُرجى اختيار تقييم.",
  csatFailed: "تعذّر إرسال تقييمك. يُرجى المحاولة مرة أخرى.",
};

const fa: Strings = {
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
  sound: "اعلان صوتی",
  privacy: "حریم خصوصی",
  notice: "ما از گفتگوی شما و صفحه‌هایی که بازدید می‌کنید استفاده می‌کنیم تا در خرید به شما کمک کنیم و خدماتمان را بهتر کنیم.",
  privacyLink: "سیاست حفظ حریم خصوصی",
  allow: "اجازه می‌دهم",
  decline: "نه، ممنون",
  viewProduct: "مشاهده محصول",
  inStock: "موجود",
  outOfStock: "ناموجود",
  copyCode: "کپی کد",
  copied: "کد کپی شد",
  copyFailed: "کپی نشد. لطفاً کد را انتخاب کنید و خودتان کپی کنید.",
  validUntil: "معتبر تا {date}",
  csatTitle: "عملکرد ما چطور بود؟",
  stars: ["۱ ستاره", "۲ ستاره", "۳ ستاره", "۴ ستاره", "۵ ستاره"],
  comment: "نظر",
  sendRating: "ارسال امتیاز",
  csatThanks: "از بازخورد شما متشکریم!",
  chooseRating: "لطفاً یک امتیاز انتخاب کنید.",
  csatFailed: "امتیاز شما ارسال نشد. لطفاً دوباره تلاش کنید.",
};

const TABLE: Record<string, Strings> = { en, pl, es, ru, ar, fa };

export function stringsFor(language: string): Strings {
  return TABLE[language] ?? en;
}
