"""What the server itself says in a chat, per language (English is the fallback)."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "bot_unavailable": {
        "en": "Our assistant isn't available right now, so we've passed your conversation to our team. A person will reply here.",
        "pl": "Nasz asystent jest teraz niedostępny, więc przekazaliśmy rozmowę naszemu zespołowi. Odpowie tu konsultant.",
        "es": "Nuestro asistente no está disponible ahora, así que hemos pasado tu conversación a nuestro equipo. Una persona te responderá aquí.",
        "ru": "Наш помощник сейчас недоступен, поэтому мы передали разговор команде. Сотрудник ответит здесь.",
        "ar": "مساعدنا غير متاح الآن، لذلك حوّلنا محادثتك إلى فريقنا. سيرد عليك أحد الموظفين هنا.",
        "fa": "دستیار ما الان در دسترس نیست، پس گفتگو را به تیم‌مان سپردیم. یکی از همکاران همین‌جا پاسخ می‌دهد.",
    },
    "bot_busy": {
        "en": "Our assistant is answering many people right now. Your answer is on its way.",
        "pl": "Nasz asystent odpowiada teraz wielu osobom. Odpowiedź jest w drodze.",
        "es": "Nuestro asistente está atendiendo a muchas personas ahora mismo. Tu respuesta está en camino.",
        "ru": "Наш помощник сейчас отвечает многим людям. Ответ скоро будет.",
        "ar": "يرد مساعدنا الآن على كثير من الأشخاص. ردك في الطريق.",
        "fa": "دستیار ما الان به افراد زیادی پاسخ می‌دهد. پاسخ شما در راه است.",
    },
    "handoff_queued": {
        "en": "I'm connecting you with a person from our team. Please stay here, they will reply in this chat.",
        "pl": "Łączę Cię z osobą z naszego zespołu. Zostań tutaj, odpowie w tym czacie.",
        "es": "Te estoy conectando con una persona de nuestro equipo. Quédate aquí, te responderá en este chat.",
        "ru": "Соединяю вас с сотрудником. Пожалуйста, оставайтесь здесь, вам ответят в этом чате.",
        "ar": "أقوم بتحويلك إلى أحد أعضاء فريقنا. يرجى البقاء هنا، سيتم الرد عليك في هذه المحادثة.",
        "fa": "در حال وصل کردن شما به یکی از همکاران هستم. لطفاً همین‌جا بمانید، در همین گفتگو پاسخ می‌دهند.",
    },
    "agent_joined": {
        "en": "{name} joined the chat.",
        "pl": "{name} dołączył(a) do czatu.",
        "es": "{name} se ha unido al chat.",
        "ru": "{name} присоединился(ась) к чату.",
        "ar": "انضم {name} إلى المحادثة.",
        "fa": "{name} به گفتگو پیوست.",
    },
    "agent_left": {
        "en": "{name} had to leave; you're back in line for the next person.",
        "pl": "{name} musiał(a) wyjść; czekasz na kolejną osobę.",
        "es": "{name} tuvo que irse; vuelves a la cola para la siguiente persona.",
        "ru": "{name} был(а) вынужден(а) уйти; вы снова в очереди к следующему сотруднику.",
        "ar": "اضطر {name} إلى المغادرة؛ عدت إلى قائمة الانتظار للموظف التالي.",
        "fa": "{name} مجبور شد برود؛ دوباره در صف نفر بعدی هستید.",
    },
    "no_agents": {
        "en": "Nobody from our team is online right now. Leave your email and a message, and we'll get back to you.",
        "pl": "Nikogo z naszego zespołu nie ma teraz online. Zostaw e-mail i wiadomość, a odezwiemy się.",
        "es": "Ahora no hay nadie de nuestro equipo conectado. Déjanos tu correo y un mensaje y te responderemos.",
        "ru": "Сейчас никого из команды нет в сети. Оставьте email и сообщение, и мы вам ответим.",
        "ar": "لا يوجد أحد من فريقنا متصل الآن. اترك بريدك الإلكتروني ورسالة وسنعود إليك.",
        "fa": "الان کسی از تیم ما آنلاین نیست. ایمیل و پیامتان را بگذارید تا با شما تماس بگیریم.",
    },
    "offline_received": {
        "en": "Thanks! We've got your message and will reply to {email}.",
        "pl": "Dziękujemy! Mamy Twoją wiadomość i odpowiemy na {email}.",
        "es": "¡Gracias! Hemos recibido tu mensaje y responderemos a {email}.",
        "ru": "Спасибо! Мы получили сообщение и ответим на {email}.",
        "ar": "شكرًا! وصلتنا رسالتك وسنرد على {email}.",
        "fa": "ممنون! پیامتان رسید و به {email} پاسخ می‌دهیم.",
    },
    "bot_back": {
        "en": "You're back with the shop assistant.",
        "pl": "Wracasz do asystenta sklepu.",
        "es": "Vuelves a hablar con el asistente de la tienda.",
        "ru": "Вы снова общаетесь с помощником магазина.",
        "ar": "عدت إلى مساعد المتجر.",
        "fa": "دوباره با دستیار فروشگاه هستید.",
    },
    "closed": {
        "en": "This conversation was closed. Write again any time.",
        "pl": "Ta rozmowa została zamknięta. Napisz, kiedy chcesz.",
        "es": "Esta conversación se ha cerrado. Escríbenos cuando quieras.",
        "ru": "Разговор закрыт. Пишите в любое время.",
        "ar": "تم إغلاق هذه المحادثة. راسلنا في أي وقت.",
        "fa": "این گفتگو بسته شد. هر وقت خواستید دوباره بنویسید.",
    },
}


def system_text(key: str, language: str | None, **values: str) -> str:
    variants = TEXTS[key]
    base = (language or "en").split("-")[0]
    text = variants.get(base, variants["en"])
    return text.format(**values) if values else text
