// Recording an exchange three ways (views/record.js, views/record_modes.js): "I gave",
// "I received", a group exchange.
export default {
  fr: {
    "exchanges.what": "Qu’avez-vous fait\u00a0?",
    "exchanges.gave": "J’ai rendu un service",
    "exchanges.received": "On m’a rendu un service",
    "exchanges.group": "Un échange de groupe",
    "exchanges.provider": "Personne qui vous a rendu le service",
    "exchanges.receivedIntro":
      "Vous avez reçu un service\u00a0: indiquez de qui et combien de temps. Vous le signez tout de suite depuis cet appareil\u00a0; la personne en est prévenue et le voit sur son relevé.",
    "exchanges.receivedSubmit": "Enregistrer et signer",
    "exchanges.receivedDone":
      "{duration} reçues de {name}\u00a0: c’est signé et inscrit. Votre solde est maintenant de {balance}.",
    "exchanges.groupIntro":
      "Un atelier pour plusieurs personnes, ou plusieurs personnes qui vous ont rendu un même service\u00a0: chaque part est signée par la personne qui la paie.",
    "exchanges.side": "De quel côté étiez-vous\u00a0?",
    "exchanges.sideProvider": "J’ai rendu le service à chacune de ces personnes",
    "exchanges.sideReceiver": "Chacune de ces personnes m’a rendu le service",
    "exchanges.person": "Ajouter une personne",
    "exchanges.add": "Ajouter",
    "exchanges.remove": "Retirer {name}",
    "exchanges.people": "{n:# personne choisie|# personnes choisies}",
    "exchanges.noPeople": "Personne n’est encore choisi.",
    "exchanges.needPeople": "Choisissez au moins deux personnes.",
    "exchanges.already": "{name} est déjà dans la liste.",
    "exchanges.share": "Durée pour chaque personne",
    "exchanges.groupSubmit": "Enregistrer l’échange de groupe",
    "exchanges.groupDoneProvider":
      "Échange de groupe enregistré\u00a0: {n:# personne confirmera|# personnes confirmeront} chacune sa part de {duration}.",
    "exchanges.groupDoneReceiver":
      "Échange de groupe enregistré et signé\u00a0: {n:# part|# parts} de {duration}. Votre solde est maintenant de {balance}.",
    "exchanges.shareOf":
      "Votre part d’un échange de groupe\u00a0: chaque personne signe la sienne.",
    "exchanges.needKey": "Créez d’abord la clé de cet appareil\u00a0: c’est elle qui signe.",
  },
  en: {
    "exchanges.what": "What did you do?",
    "exchanges.gave": "I gave a service",
    "exchanges.received": "I received a service",
    "exchanges.group": "A group exchange",
    "exchanges.provider": "Who gave you the service",
    "exchanges.receivedIntro":
      "You received a service: say from whom and for how long. You sign it at once on this device; the person is told and sees it on their statement.",
    "exchanges.receivedSubmit": "Record and sign",
    "exchanges.receivedDone":
      "{duration} received from {name}: signed and recorded. Your balance is now {balance}.",
    "exchanges.groupIntro":
      "A workshop for several people, or several people who gave you the same service: each share is signed by the person who pays it.",
    "exchanges.side": "Which side were you on?",
    "exchanges.sideProvider": "I gave the service to each of these people",
    "exchanges.sideReceiver": "Each of these people gave me the service",
    "exchanges.person": "Add a person",
    "exchanges.add": "Add",
    "exchanges.remove": "Remove {name}",
    "exchanges.people": "{n:# person chosen|# people chosen}",
    "exchanges.noPeople": "Nobody chosen yet.",
    "exchanges.needPeople": "Choose at least two people.",
    "exchanges.already": "{name} is already in the list.",
    "exchanges.share": "Duration for each person",
    "exchanges.groupSubmit": "Record the group exchange",
    "exchanges.groupDoneProvider":
      "Group exchange recorded: {n:# person will|# people will} each confirm their share of {duration}.",
    "exchanges.groupDoneReceiver":
      "Group exchange recorded and signed: {n:# share|# shares} of {duration}. Your balance is now {balance}.",
    "exchanges.shareOf": "Your share of a group exchange: each person signs their own.",
    "exchanges.needKey": "First make this device's key: it is what signs.",
  },
};
