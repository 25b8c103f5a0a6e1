// Associations as members: recording an exchange for one (views/record.js,
// views/record_modes.js) and a statement line naming who acted for it (views/home.js).
export default {
  fr: {
    "associations.actFor": "Agir pour",
    "associations.myself": "Moi-même",
    "associations.actForHint":
      "Vous agissez au nom de ces associations : l’échange passe sur leur compte, signé par vous en leur nom.",
    "associations.actedFor": "{name} pour {association}",
    "associations.receivedDone":
      "{duration} reçues de {name} pour {association}\u00a0: c’est signé et inscrit. Son solde est maintenant de {balance}.",
    "associations.gaveDone":
      "{duration} données à {name} pour {association}\u00a0: c’est inscrit. Les heures arriveront sur son compte après confirmation.",
  },
  en: {
    "associations.actFor": "Act for",
    "associations.myself": "Myself",
    "associations.actForHint":
      "You are appointed to act for these associations: the exchange goes on their account, signed by you on their behalf.",
    "associations.actedFor": "{name} for {association}",
    "associations.receivedDone":
      "{duration} received from {name} for {association}: signed and recorded. Its balance is now {balance}.",
    "associations.gaveDone":
      "{duration} given to {name} for {association}: recorded. The hours reach its account once confirmed.",
  },
};
