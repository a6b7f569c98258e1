"""Texts of the survey's own controls (buttons, messages) in the languages engagekit ships.

Instrument texts come from the instrument; these are the few words around them. A language
without an entry here falls back to English for these controls only.
"""

from __future__ import annotations

UI_TEXT: dict[str, dict[str, str]] = {
    "en": {
        "agree": "I agree to take part",
        "decline": "I do not want to take part",
        "declined": "You have chosen not to take part. No answers were recorded. You can close "
        "this page.",
        "consent_heading": "Consent",
        "intro_heading": "Welcome",
        "start": "Start",
        "next": "Next",
        "back": "Back",
        "submit": "Submit my answers",
        "required": "Please answer this question.",
        "missing_summary": "Some questions still need an answer: {n}. They are marked below.",
        "number_range": "Please enter a whole number from {min} to {max}.",
        "progress": "Page {n} of {total}",
        "thanks_heading": "Thank you",
        "download_json": "Download your answers (JSON)",
        "download_csv": "Download your answers (CSV)",
        "sent": "Your answers were sent.",
        "send_failed": "Your answers could not be sent; please download them and send the file.",
        "noscript": "This survey needs JavaScript. Please enable it and reload the page.",
        "your_answer": "Your answer",
        "required_mark": "(required)",
        "full": "This survey has received all the answers it needs, so yours could not be "
        "accepted. Thank you for your time.",
        "closed": "This survey is closed and no longer accepts answers.",
        "not_open": "This survey is not open yet. Please come back later.",
        "already_submitted": "Answers for this invitation have already been submitted.",
        "invalid_link": "This link is not valid. Please check that you copied it completely.",
        "too_many": "Too many attempts. Please wait a few minutes and try again.",
    },
    "nl": {
        "agree": "Ik doe mee",
        "decline": "Ik wil niet meedoen",
        "declined": "U hebt ervoor gekozen niet mee te doen. Er zijn geen antwoorden opgeslagen. "
        "U kunt deze pagina sluiten.",
        "consent_heading": "Toestemming",
        "intro_heading": "Welkom",
        "start": "Beginnen",
        "next": "Volgende",
        "back": "Vorige",
        "submit": "Mijn antwoorden versturen",
        "required": "Beantwoord deze vraag alstublieft.",
        "missing_summary": "Nog niet alle vragen zijn beantwoord: {n}. Ze zijn hieronder "
        "gemarkeerd.",
        "number_range": "Vul een heel getal in van {min} tot en met {max}.",
        "progress": "Pagina {n} van {total}",
        "thanks_heading": "Dank u wel",
        "download_json": "Uw antwoorden downloaden (JSON)",
        "download_csv": "Uw antwoorden downloaden (CSV)",
        "sent": "Uw antwoorden zijn verstuurd.",
        "send_failed": "Uw antwoorden konden niet worden verstuurd; download ze en stuur het "
        "bestand op.",
        "noscript": "Deze vragenlijst heeft JavaScript nodig. Zet het aan en laad de pagina "
        "opnieuw.",
        "your_answer": "Uw antwoord",
        "required_mark": "(verplicht)",
        "full": "Deze vragenlijst heeft alle antwoorden ontvangen die nodig zijn; uw antwoorden "
        "konden daarom niet worden aangenomen. Dank u voor uw tijd.",
        "closed": "Deze vragenlijst is gesloten en neemt geen antwoorden meer aan.",
        "not_open": "Deze vragenlijst is nog niet geopend. Kom later terug.",
        "already_submitted": "De antwoorden voor deze uitnodiging zijn al verstuurd.",
        "invalid_link": "Deze link is niet geldig. Controleer of u hem volledig hebt gekopieerd.",
        "too_many": "Te veel pogingen. Wacht een paar minuten en probeer het opnieuw.",
    },
    "de": {
        "agree": "Ich nehme teil",
        "decline": "Ich möchte nicht teilnehmen",
        "declined": "Sie haben sich gegen die Teilnahme entschieden. Es wurden keine Antworten "
        "gespeichert. Sie können diese Seite schließen.",
        "consent_heading": "Einwilligung",
        "intro_heading": "Willkommen",
        "start": "Beginnen",
        "next": "Weiter",
        "back": "Zurück",
        "submit": "Antworten absenden",
        "required": "Bitte beantworten Sie diese Frage.",
        "missing_summary": "Einige Fragen sind noch unbeantwortet: {n}. Sie sind unten markiert.",
        "number_range": "Bitte geben Sie eine ganze Zahl von {min} bis {max} ein.",
        "progress": "Seite {n} von {total}",
        "thanks_heading": "Vielen Dank",
        "download_json": "Ihre Antworten herunterladen (JSON)",
        "download_csv": "Ihre Antworten herunterladen (CSV)",
        "sent": "Ihre Antworten wurden gesendet.",
        "send_failed": "Ihre Antworten konnten nicht gesendet werden; bitte laden Sie sie "
        "herunter und senden Sie die Datei.",
        "noscript": "Diese Umfrage benötigt JavaScript. Bitte aktivieren Sie es und laden Sie "
        "die Seite neu.",
        "your_answer": "Ihre Antwort",
        "required_mark": "(Pflichtfeld)",
        "full": "Diese Umfrage hat alle benötigten Antworten erhalten; Ihre Antworten konnten "
        "daher nicht angenommen werden. Vielen Dank für Ihre Zeit.",
        "closed": "Diese Umfrage ist geschlossen und nimmt keine Antworten mehr an.",
        "not_open": "Diese Umfrage ist noch nicht geöffnet. Bitte kommen Sie später wieder.",
        "already_submitted": "Die Antworten zu dieser Einladung wurden bereits gesendet.",
        "invalid_link": "Dieser Link ist ungültig. Bitte prüfen Sie, ob Sie ihn vollständig "
        "kopiert haben.",
        "too_many": "Zu viele Versuche. Bitte warten Sie einige Minuten und versuchen Sie es "
        "erneut.",
    },
    "fr": {
        "agree": "J'accepte de participer",
        "decline": "Je ne souhaite pas participer",
        "declined": "Vous avez choisi de ne pas participer. Aucune réponse n'a été enregistrée. "
        "Vous pouvez fermer cette page.",
        "consent_heading": "Consentement",
        "intro_heading": "Bienvenue",
        "start": "Commencer",
        "next": "Suivant",
        "back": "Précédent",
        "submit": "Envoyer mes réponses",
        "required": "Veuillez répondre à cette question.",
        "missing_summary": "Certaines questions n'ont pas encore de réponse : {n}. Elles sont "
        "signalées ci-dessous.",
        "number_range": "Veuillez saisir un nombre entier de {min} à {max}.",
        "progress": "Page {n} sur {total}",
        "thanks_heading": "Merci",
        "download_json": "Télécharger vos réponses (JSON)",
        "download_csv": "Télécharger vos réponses (CSV)",
        "sent": "Vos réponses ont été envoyées.",
        "send_failed": "Vos réponses n'ont pas pu être envoyées ; veuillez les télécharger et "
        "envoyer le fichier.",
        "noscript": "Ce questionnaire nécessite JavaScript. Veuillez l'activer et recharger la "
        "page.",
        "your_answer": "Votre réponse",
        "required_mark": "(obligatoire)",
        "full": "Ce questionnaire a reçu toutes les réponses nécessaires ; les vôtres n'ont donc "
        "pas pu être acceptées. Merci de votre temps.",
        "closed": "Ce questionnaire est clos et n'accepte plus de réponses.",
        "not_open": "Ce questionnaire n'est pas encore ouvert. Veuillez revenir plus tard.",
        "already_submitted": "Les réponses à cette invitation ont déjà été envoyées.",
        "invalid_link": "Ce lien n'est pas valide. Vérifiez que vous l'avez copié en entier.",
        "too_many": "Trop de tentatives. Veuillez patienter quelques minutes et réessayer.",
    },
}


def ui_text(lang: str) -> dict[str, str]:
    """The control texts for ``lang`` (English for languages engagekit has no texts for)."""
    base = lang.split("-")[0]
    return {**UI_TEXT["en"], **UI_TEXT.get(base, {})}
