// The commons pot: a resident's gift (views/commons.js) and the coordination's payment
// from it (views/commons_pay.js).
export default {
  fr: {
    "commons.nav": "Pot commun",
    "commons.title": "Le pot commun",
    "commons.intro":
      "Le pot commun reçoit les heures que les habitants lui donnent ; la coordination s’en sert pour payer le travail fait pour le territoire.",
    "commons.holds": "Le pot commun contient {duration}.",
    "commons.give": "Donner des heures au pot commun",
    "commons.duration": "Durée donnée",
    "commons.word": "Un mot avec le don (facultatif)",
    "commons.submit": "Donner au pot commun",
    "commons.done": "Vous avez donné {duration} au pot commun. Merci !",
    "commons.yourBalance": "Votre solde : {duration}.",
    "commons.pay.nav": "Payer du pot commun",
    "commons.pay.title": "Payer du pot commun",
    "commons.pay.intro":
      "La coordination paie ici, depuis le pot commun, les heures de travail faites pour le territoire. La personne payée en est avertie.",
    "commons.pay.member": "Personne payée",
    "commons.pay.duration": "Durée payée",
    "commons.pay.memo": "Travail fait pour le territoire",
    "commons.pay.submit": "Payer depuis le pot commun",
    "commons.pay.done": "{name} a reçu {duration} du pot commun.",
    "commons.pay.who": "Qui peut payer du pot commun : {names}",
    "commons.pay.nobody": "Personne n’est encore désigné pour payer du pot commun.",
    "commons.pay.notAppointed":
      "Vous n’êtes pas désigné pour payer du pot commun : l’opérateur vous désigne. Le registre refuserait votre signature.",
    "commons.pay.tooMuch": "Le pot commun ne contient que {duration}.",
    "kind.commons_payment": "Payé du pot commun",
  },
  en: {
    "commons.nav": "Commons pot",
    "commons.title": "The commons pot",
    "commons.intro":
      "The commons pot receives the hours residents give it; the coordination uses it to pay for work done for the territory.",
    "commons.holds": "The commons pot holds {duration}.",
    "commons.give": "Give hours to the commons pot",
    "commons.duration": "Duration given",
    "commons.word": "A word with the gift (optional)",
    "commons.submit": "Give to the commons pot",
    "commons.done": "You gave {duration} to the commons pot. Thank you!",
    "commons.yourBalance": "Your balance: {duration}.",
    "commons.pay.nav": "Pay from the commons pot",
    "commons.pay.title": "Pay from the commons pot",
    "commons.pay.intro":
      "Here the coordination pays, from the commons pot, the hours of work done for the territory. The person paid is told.",
    "commons.pay.member": "Person paid",
    "commons.pay.duration": "Duration paid",
    "commons.pay.memo": "Work done for the territory",
    "commons.pay.submit": "Pay from the commons pot",
    "commons.pay.done": "{name} received {duration} from the commons pot.",
    "commons.pay.who": "Who may pay from the commons pot: {names}",
    "commons.pay.nobody": "Nobody is appointed to pay from the commons pot yet.",
    "commons.pay.notAppointed":
      "You are not appointed to pay from the commons pot: the operator appoints you. The ledger would refuse your signature.",
    "commons.pay.tooMuch": "The commons pot holds only {duration}.",
    "kind.commons_payment": "Paid from the commons pot",
  },
};
