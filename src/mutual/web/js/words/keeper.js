// The keeper's page beyond lending (views/keeper.js): items given away or moved to
// another point, the point's opening hours (also shown in views/goods.js), reminders.
export default {
  fr: {
    "keeperjobs.give.title": "Donner des objets",
    "keeperjobs.give.intro":
      "Des objets quittent le stock pour de bon. Le foyer qui les reçoit est noté à part, jamais dans le registre signé.",
    "keeperjobs.give.household": "Foyer qui les reçoit (facultatif)",
    "keeperjobs.give.householdHint": "Par exemple « Famille M., rue des Fleurs ».",
    "keeperjobs.give.submit": "Donner et signer",
    "keeperjobs.give.done": "{kind} × {count} {count:donné|donnés}.",
    "keeperjobs.move.title": "Envoyer à un autre point",
    "keeperjobs.move.to": "Point qui les reçoit",
    "keeperjobs.move.submit": "Envoyer et signer",
    "keeperjobs.move.done": "{kind} × {count} {count:envoyé|envoyés} à {point}.",
    "keeperjobs.hours.title": "Horaires d’ouverture",
    "keeperjobs.hours.label": "Quand le point est ouvert",
    "keeperjobs.hours.hint":
      "Tel que les habitants le liront, par exemple « Mercredi 14 h – 18 h, samedi 10 h – 12 h ». Laissez vide pour ne rien afficher.",
    "keeperjobs.hours.submit": "Enregistrer les horaires",
    "keeperjobs.hours.saved":
      "Horaires enregistrés : les habitants les voient sur la page des objets partagés.",
    "keeperjobs.hours.cleared": "Horaires retirés.",
    "keeperjobs.hours.shown": "Ouvert :",
    "keeperjobs.remind.submit": "Envoyer un rappel",
    "keeperjobs.remind.sent":
      "Rappel envoyé à {name} (dans ses notifications, et par courriel s’il les reçoit ainsi).",
    "keeperjobs.remind.already": "{name} a déjà reçu un rappel aujourd’hui pour ce prêt.",
  },
  en: {
    "keeperjobs.give.title": "Give items away",
    "keeperjobs.give.intro":
      "Items leave the stock for good. The household that receives them is noted apart, never in the signed ledger.",
    "keeperjobs.give.household": "Household receiving them (optional)",
    "keeperjobs.give.householdHint": 'For example "M. family, rue des Fleurs".',
    "keeperjobs.give.submit": "Give and sign",
    "keeperjobs.give.done": "{kind} × {count} given away.",
    "keeperjobs.move.title": "Send to another point",
    "keeperjobs.move.to": "Point receiving them",
    "keeperjobs.move.submit": "Send and sign",
    "keeperjobs.move.done": "{kind} × {count} sent to {point}.",
    "keeperjobs.hours.title": "Opening hours",
    "keeperjobs.hours.label": "When the point is open",
    "keeperjobs.hours.hint":
      'As residents will read it, for example "Wednesday 2–6 pm, Saturday 10 am–12 pm". Leave empty to show nothing.',
    "keeperjobs.hours.submit": "Save the opening hours",
    "keeperjobs.hours.saved": "Opening hours saved: residents see them on the shared goods page.",
    "keeperjobs.hours.cleared": "Opening hours removed.",
    "keeperjobs.hours.shown": "Open:",
    "keeperjobs.remind.submit": "Send a reminder",
    "keeperjobs.remind.sent":
      "Reminder sent to {name} (in their notifications, and by e-mail if they get them so).",
    "keeperjobs.remind.already": "{name} was already reminded of this loan today.",
  },
};
