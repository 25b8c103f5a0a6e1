// Words and formats in the person's language: French unless they chose English. The
// choice is theirs, not the browser's, and stays on this device.

import associationsWords from "./words/associations.js";
import commonsWords from "./words/commons.js";
import coordinatorWords from "./words/coordinator.js";
import exchangesWords from "./words/exchanges.js";
import groupsWords from "./words/groups.js";
import keeperWords from "./words/keeper.js";
import leadWords from "./words/lead.js";
import listsWords from "./words/lists.js";
import offersWords from "./words/offers.js";
import operatorWords from "./words/operator.js";
import pactWords from "./words/pact.js";
import partnerWords from "./words/partner.js";
import passwordWords from "./words/password.js";
import projectsWords from "./words/projects.js";
import publicWords from "./words/public.js";
import reportsWords from "./words/reports.js";
import roundsWords from "./words/rounds.js";

const STORAGE_KEY = "mutual.language";
export const LANGUAGES = ["fr", "en"];

// What the service's own codes say (problems, the fields they point at, categories), in
// both languages, from the service's catalogue (mutual.core.problem_words): the page
// spells none of these codes itself, so none can drift from the service. Read once, before
// any view renders (every module that shows words imports this one).
async function loadWords() {
  try {
    const answer = await fetch(new URL("../words.json", import.meta.url));
    if (answer.ok) return await answer.json();
  } catch {
    // Offline: the page's generic words stand in for the service's.
  }
  return { problems: {}, variants: {}, fields: {}, categories: {}, neighbourhoods: {} };
}

const WORDS = await loadWords();

// The page's own words, by area: each area's file holds its keys in both languages, so
// that views written side by side do not all edit this file.
const AREAS = [
  passwordWords,
  offersWords,
  coordinatorWords,
  keeperWords,
  partnerWords,
  leadWords,
  exchangesWords,
  commonsWords,
  operatorWords,
  roundsWords,
  associationsWords,
  publicWords,
  reportsWords,
  groupsWords,
  pactWords,
  listsWords,
  projectsWords,
];

const MESSAGES = {
  fr: {
    "app.name": "mutual",
    "app.tagline": "Banque du temps du territoire",
    skip: "Aller au contenu",
    "nav.label": "Navigation principale",
    "nav.home": "Mon solde",
    "nav.record": "Enregistrer un échange",
    "nav.confirm": "À confirmer",
    "nav.offers": "Offres et demandes",
    "nav.key": "Mon appareil",
    "language.switch": "English",
    "language.switchLabel": "Switch to English",
    signOut: "Se déconnecter",
    loading: "Chargement…",
    "signIn.title": "Connexion",
    "signIn.intro":
      "Connectez-vous avec l’identifiant et le mot de passe choisis à votre adhésion.",
    "signIn.login": "Identifiant",
    "signIn.password": "Mot de passe",
    "signIn.submit": "Se connecter",
    "signIn.busy": "Connexion…",
    "signIn.codeTitle": "Connexion par code",
    "signIn.codeIntro":
      "Recevez un code de connexion à usage unique par les moyens de contact de votre adhésion, puis saisissez-le ici.",
    "signIn.askCode": "Recevoir un code",
    "signIn.withCode": "Utiliser un code à usage unique",
    "signIn.codeSent":
      "Si cet identifiant est celui d’un membre, un code lui est envoyé. Il ne sert qu’une fois et pour peu de temps.",
    "signIn.code": "Code reçu",
    "signIn.useCode": "Se connecter avec ce code",
    "signIn.codeFailed": "Ce code est inconnu, déjà utilisé ou expiré : demandez-en un nouveau.",
    "join.link": "Demander à adhérer",
    "join.invited": "J’ai une invitation",
    "join.forgot": "Mot de passe oublié ?",
    "join.title": "Demander à adhérer",
    "join.intro":
      "Remplissez ce formulaire : une personne de la coordination l’examine, puis vous envoie une invitation pour choisir votre mot de passe.",
    "join.name": "Nom affiché",
    "join.neighbourhood": "Quartier",
    "join.language": "Langue",
    "join.email": "Adresse e-mail",
    "join.emailHint": "Pour recevoir votre invitation et vos notifications. Facultatif.",
    "join.phone": "Téléphone",
    "join.phoneHint": "Facultatif.",
    "join.emailSeen": "Qui voit votre adresse e-mail",
    "join.phoneSeen": "Qui voit votre téléphone",
    "join.visibleMembers": "Tous les membres",
    "join.visibleCoordinators": "La coordination seulement",
    "join.charterTitle": "La charte du territoire",
    "join.charterAccept": "J’ai lu la charte et je l’accepte",
    "join.submit": "Envoyer ma demande",
    "join.sent":
      "Demande envoyée. Une personne de la coordination va l’examiner ; vous recevrez alors une invitation (par e-mail si vous avez donné une adresse).",
    "join.back": "Retour à la connexion",
    "invite.title": "Bienvenue",
    "invite.intro":
      "Votre adhésion est acceptée. Choisissez l’identifiant et le mot de passe avec lesquels vous vous connecterez.",
    "invite.code": "Code d’invitation",
    "invite.codeHint": "Les 8 caractères reçus, par exemple ABCD-EFGH.",
    "invite.login": "Identifiant",
    "invite.loginHint": "Votre adresse e-mail ou un pseudonyme, au moins 3 caractères.",
    "invite.password": "Mot de passe",
    "invite.passwordHint": "Au moins 12 caractères : une phrase facile à retenir convient bien.",
    "invite.confirm": "Mot de passe, encore une fois",
    "invite.mismatch": "Les deux mots de passe diffèrent.",
    "invite.submit": "Choisir ce mot de passe",
    "invite.done":
      "Mot de passe choisi, vous êtes connecté·e. Dernière étape : créez la clé de cet appareil, qui signe vos échanges.",
    "reset.title": "Mot de passe oublié",
    "reset.intro":
      "Indiquez votre identifiant : si nous le connaissons, nous envoyons un code à usage unique à votre adresse e-mail.",
    "reset.ask": "Recevoir un code",
    "reset.sent":
      "Si cet identifiant existe, un code vient d’être envoyé à l’adresse e-mail de son compte. Saisissez-le ci-dessous.",
    "reset.code": "Code reçu par e-mail",
    "reset.password": "Nouveau mot de passe",
    "reset.submit": "Changer mon mot de passe",
    "key.thisKey": "La clé de cet appareil",
    "key.madeOn": "La clé de cet appareil, créée le {date}",
    "key.otherKey": "La clé d’un autre appareil",
    "key.registeredAt": "enregistrée à l’entrée {index} du journal",
    "coord.invitation":
      "Invitation à remettre à la personne (elle sert une fois, jusqu’au {date}) : le lien, ou le code à saisir dans la page « J’ai une invitation ».",
    "coord.invitationLink": "Lien",
    "coord.invitationCode": "Code",
    "coord.invitationMailed": "Elle lui a aussi été envoyée par e-mail.",
    "home.title": "Mon solde",
    "home.hello": "Bonjour {name}",
    "home.balance": "Solde de temps",
    "home.limits": "Limites : de {min} à {max}",
    "home.pending": "{count:# échange attend|# échanges attendent} votre confirmation.",
    "home.pendingLink": "Les voir",
    "home.noKey": "Cet appareil n’a pas encore de clé : il en faut une pour confirmer un échange.",
    "home.noKeyLink": "Créer la clé de cet appareil",
    "notif.nav": "Notifications",
    "notif.title": "Notifications",
    "notif.intro": "Les plus récentes d’abord ({count} au plus).",
    "notif.empty": "Aucune notification pour l’instant.",
    "notif.new": "Nouvelle",
    "notif.toConfirm": "Confirmer ou refuser cet échange",
    "notif.unseen": "{count:# nouvelle notification|# nouvelles notifications}",
    "statement.title": "Relevé",
    "statement.caption": "Derniers mouvements, du plus récent au plus ancien",
    "statement.date": "Date",
    "statement.kind": "Nature",
    "statement.amount": "Montant",
    "statement.balance": "Solde après",
    "statement.empty": "Aucun mouvement pour l’instant.",
    "statement.party": "Avec",
    "statement.description": "Description",
    "statement.category": "Catégorie",
    "statement.older": "Mouvements plus anciens",
    "statement.loaded": "{count:# mouvement plus ancien ajouté|# mouvements plus anciens ajoutés}.",
    "statement.allLoaded":
      "{count:# mouvement ajouté|# mouvements ajoutés} : c’est le début du relevé.",
    "statement.csv": "Télécharger le relevé (CSV)",
    "statement.print": "Imprimer le relevé",
    "statement.printedFor": "Relevé de temps de {name}, imprimé le {date}.",
    "owner.member": "Membre",
    "owner.organisation": "Organisation",
    "owner.project": "Projet",
    "owner.commons_pool": "Le pot commun",
    "owner.collection_point": "Point de collecte",
    "owner.outside_world": "Extérieur",
    "people.former": "Ancien membre",
    "people.number": "n° {number}",
    "people.hint": "Tapez une partie du nom ou le numéro de membre, puis choisissez dans la liste.",
    "people.pick": "Choisissez une personne dans la liste.",
    "people.matches": "{count:# personne trouvée|# personnes trouvées}.",
    "people.manyMatches": "{count} premières personnes trouvées ; précisez le nom.",
    "people.noMatch": "Personne ne correspond.",
    "nav.directory": "Annuaire",
    "directory.title": "Annuaire des membres",
    "directory.intro":
      "Retrouvez une personne par son nom ou son numéro de membre, son quartier ou ce qu’elle propose.",
    "directory.name": "Nom ou numéro de membre",
    "directory.nameHint":
      "Deux personnes du même nom se distinguent par leur numéro et leur quartier.",
    "directory.neighbourhood": "Quartier",
    "directory.anywhere": "Tous les quartiers",
    "directory.offersField": "Ce qu’elle propose ou cherche",
    "directory.submit": "Rechercher",
    "directory.results": "Membres trouvés",
    "directory.shown": "{count:# membre affiché|# membres affichés}.",
    "directory.none": "Aucun membre ne correspond.",
    "directory.more": "Plus de membres",
    "directory.offers": "Offres et demandes",
    "directory.noOffers": "Aucune offre ni demande en cours.",
    "directory.record": "Saisir un échange avec cette personne",
    "directory.recordWith": "Saisir un échange avec {name}",
    "record.category": "Catégorie (facultatif)",
    "record.noCategory": "Sans catégorie",
    "record.fromOffer": "À propos de « {title} » ({category}).",
    "offers.record": "Saisir un échange pour « {title} »",
    "kind.exchange": "Échange",
    "kind.commons_gift": "Don au commun",
    "kind.correction": "Correction",
    "kind.pledge": "Promesse d’heures",
    "kind.other": "Autre",
    "record.title": "Enregistrer un échange",
    "record.intro":
      "Vous avez rendu un service : indiquez à qui et combien de temps. La personne le confirmera en le signant depuis son appareil ; rien ne bouge avant.",
    "record.receiver": "Personne qui a reçu le service",
    "record.choose": "Choisir…",
    "record.hours": "Heures",
    "record.minutes": "Minutes",
    "record.duration": "Durée",
    "record.memo": "Description (facultatif)",
    "record.submit": "Enregistrer",
    "record.done": "Échange de {duration} enregistré avec {name} : en attente de sa confirmation.",
    "record.needDuration": "Indiquez une durée.",
    "confirm.title": "Échanges à confirmer",
    "confirm.intro":
      "Ces personnes disent vous avoir rendu un service. Confirmer signe l’échange avec la clé de cet appareil et déplace le temps.",
    "confirm.none": "Rien à confirmer.",
    "confirm.from": "{name} vous a rendu {duration}",
    "confirm.expires": "Expire le {date}",
    "confirm.sign": "Confirmer et signer",
    "confirm.reject": "Refuser",
    "confirm.reason": "Motif du refus",
    "confirm.rejectSubmit": "Envoyer le refus",
    "confirm.confirmed": "Échange confirmé : votre solde est maintenant de {balance}.",
    "confirm.rejected": "Échange refusé.",
    "confirm.mismatch":
      "Ce que le service demande de signer ne correspond pas à l’échange affiché : rien n’a été signé.",
    "confirm.needKey": "Créez d’abord la clé de cet appareil.",
    "sent.title": "Mes échanges en attente",
    "sent.to": "{duration} rendues à {name}",
    "status.pending": "en attente",
    "status.confirmed": "confirmé",
    "status.rejected": "refusé",
    "status.expired": "expiré",
    "nav.pledges": "Promesses d’heures",
    "nav.goods": "Objets partagés",
    "quarter.Q1": "1er trimestre {year}",
    "quarter.Q2": "2e trimestre {year}",
    "quarter.Q3": "3e trimestre {year}",
    "quarter.Q4": "4e trimestre {year}",
    "flows.mismatch":
      "Ce que le service demande de signer ne correspond pas à ce qui est affiché : rien n’a été signé.",
    "pledges.title": "Promettre des heures",
    "pledges.intro":
      "Promettez des heures de bénévolat pour un trimestre : elles rejoignent la réserve du territoire, et le groupe de coordination les attribue aux projets. Votre solde de temps ne bouge pas. La promesse est signée avec la clé de cet appareil.",
    "pledges.quarter": "Trimestre",
    "pledges.duration": "Heures promises",
    "pledges.submit": "Promettre et signer",
    "pledges.done": "Promesse de {duration} pour le {quarter} enregistrée.",
    "pledges.mine": "Mes promesses",
    "pledges.none": "Aucune promesse pour l’instant.",
    "pledges.pledged": "Promis",
    "pledges.held": "En réserve",
    "pledges.allocated": "Attribué à des projets",
    "pledges.delivered": "Fait",
    "pledges.released": "Libéré",
    "pledges.projects": "Projets",
    "pledges.project": "{name} : {allocated} attribuées, {delivered} faites",
    "goods.title": "Objets partagés",
    "goods.intro":
      "Les objets que le territoire prête, et où les trouver. Pour emprunter, passez au point de collecte : la personne qui le tient enregistre le prêt, puis le retour.",
    "goods.youKeep": "Vous tenez un point de collecte.",
    "goods.keeperLink": "Gérer mon point de collecte",
    "goods.myLoans": "Mes emprunts",
    "goods.noLoans": "Vous n’avez rien en prêt.",
    "goods.points": "Points de collecte",
    "goods.noPoints": "Aucun point de collecte pour l’instant.",
    "goods.catalogue": "Catalogue",
    "goods.noKinds": "Le catalogue est vide.",
    "goods.noStock": "Rien en stock.",
    "goods.stockOf": "Stock de {point}",
    "goods.kind": "Objet",
    "goods.onShelf": "Disponibles",
    "goods.onLoan": "En prêt",
    "goods.dueOn": "À rendre le {date}",
    "goods.overdueSince": "À rendre depuis le {date}",
    "goods.overdue": "en retard",
    "goods.loanLine": "{kind} × {count}",
    "goods.from": "Emprunté à {point}",
    "goods.moves": "Mes derniers emprunts et retours",
    "goods.moveLine": "{kind} × {count}, {point}, le {date}",
    "goods.move.loan": "Emprunté",
    "goods.move.return": "Rendu",
    "keeper.title": "Mon point de collecte",
    "keeper.intro":
      "Le stock de votre point, ses prêts en cours et en retard. Chaque prêt, retour ou arrivée d’objets est signé avec la clé de cet appareil, au nom du point.",
    "keeper.noKey":
      "Cet appareil n’a pas encore de clé : il en faut une pour signer au nom du point.",
    "keeper.none": "Vous ne tenez aucun point de collecte.",
    "keeper.openLoans": "Prêts en cours",
    "keeper.loanSummary": "{open:# prêt|# prêts} en cours, dont {overdue} en retard.",
    "keeper.loanLine": "{kind} × {count} chez {name}",
    "keeper.returnCount": "Objets rendus",
    "keeper.returnSubmit": "Enregistrer le retour et signer",
    "keeper.returned": "Retour enregistré : {kind} × {count} {count:rendu|rendus} par {name}.",
    "keeper.lend": "Prêter",
    "keeper.count": "Nombre d’objets",
    "keeper.dueOn": "À rendre le",
    "keeper.borrower": "Personne qui emprunte",
    "keeper.lendSubmit": "Prêter et signer",
    "keeper.lent": "Prêt enregistré : {kind} × {count} à {name}.",
    "keeper.deposit": "Objets reçus",
    "keeper.depositIntro": "Des objets apportés au point rejoignent son stock.",
    "keeper.depositSubmit": "Ajouter au stock et signer",
    "keeper.deposited": "{kind} × {count} {count:ajouté|ajoutés} au stock.",
    "keeper.notOnShelf": "Il n’y a pas assez d’objets disponibles pour ce prêt.",
    "offers.title": "Offres et demandes",
    "offers.filter": "Filtrer",
    "offers.direction": "Type",
    "offers.all": "Toutes",
    "offers.offer": "Je propose",
    "offers.request": "Je cherche",
    "offers.search": "Rechercher",
    "offers.submit": "Afficher",
    "offers.none": "Aucune offre ni demande ne correspond.",
    "offers.by": "Par {name}",
    "offers.estimate": "Environ {duration}",
    "offers.category": "Catégorie : {category}",
    "key.title": "La clé de cet appareil",
    "key.intro":
      "Votre clé de signature est créée dans ce navigateur et n’en sort jamais. Elle signe les échanges que vous confirmez.",
    "key.none": "Cet appareil n’a pas de clé.",
    "key.create": "Créer et enregistrer la clé de cet appareil",
    "key.registered": "enregistrée",
    "key.unregistered": "pas encore enregistrée",
    "key.register": "Terminer l’enregistrement",
    "key.created": "Clé créée et enregistrée.",
    "key.unsupported":
      "Ce navigateur ne sait pas créer de clé Ed25519. Demandez à une personne de la coordination de signer pour vous.",
    "key.listTitle": "Mes clés enregistrées",
    "key.listNone": "Aucune clé enregistrée.",
    "key.active": "active",
    "key.revoked": "révoquée",
    "key.lost": "Appareil perdu ? Révoquer cette clé",
    "key.revokeConfirm": "Révoquer cette clé ? Elle ne pourra plus rien signer.",
    "key.revokedDone": "Clé révoquée.",
    "key.replaced": "Clé de cet appareil remplacée.",
    "key.recoveryIntro":
      "Vous avez déjà eu une clé. Si vous l’avez encore sur un autre appareil, révoquez ou ajoutez une clé depuis celui-ci. Si vous avez perdu tous vos appareils, préparez ici une nouvelle clé et demandez à une personne de la coordination de lancer une récupération : elle prendra effet après un délai, pendant lequel vous êtes prévenu·e.",
    "key.recoveryPrepare": "Tous mes appareils sont perdus : préparer une nouvelle clé",
    "key.recoveryPrepared": "Nouvelle clé préparée sur cet appareil.",
    "key.recoveryGive":
      "Donnez ce code à une personne de la coordination : elle demandera la récupération avec sa propre clé.",
    "key.recoveryWaiting":
      "Récupération demandée : vous pourrez la terminer ici à partir du {due}.",
    "key.recoveryComplete": "Terminer la récupération",
    "key.recovered": "Nouvelle clé enregistrée ; vos anciennes clés sont révoquées.",
    "key.recoveryAgainst":
      "Une récupération de votre clé a été demandée : une autre clé vous remplacerait à partir du {due}. Si ce n’est pas vous, annulez-la.",
    "key.recoveryCancel": "Annuler cette récupération",
    "key.recoveryCancelled": "Récupération annulée.",
    "key.replace": "Remplacer la clé de cet appareil",
    "error.generic": "Une erreur est survenue.",
    "refusal.field": "À revoir : {field}.",
    "unusual.exchange":
      "{duration} pour un seul échange, c’est plus que d’habitude (au-delà de {usual}). Est-ce bien la durée ?",
    "unusual.pledge":
      "{duration} promises pour un trimestre, c’est plus que d’habitude (au-delà de {usual}). Est-ce bien la durée ?",
    "unusual.limit":
      "Une limite de {duration}, c’est plus que d’habitude (au-delà de {usual} dans un sens ou l’autre). Est-ce bien la limite voulue ?",
    "unusual.yes": "Oui, envoyer",
    "unusual.no": "Non, corriger",
    "error.network": "Le service ne répond pas. Vérifiez votre connexion.",
    "nav.round": "Répartition",
    "nav.audit": "Journal et audit",
    "round.title": "Répartition du trimestre",
    "round.intro":
      "Chaque trimestre, le groupe de coordination répartit l’argent du fonds et les heures promises entre les projets : d’abord par consentement, puis par un vote quand une objection demeure.",
    "round.none": "Aucune répartition pour l’instant.",
    "round.label": "Répartition {label} ({quarter})",
    "round.phase.proposals": "projets en cours de dépôt",
    "round.phase.snapshot": "liste des votants arrêtée",
    "round.phase.consent": "consentement en cours",
    "round.phase.ballot": "vote ouvert",
    "round.phase.decided": "décidée",
    "round.phase.executed": "décidée et versée",
    "round.phase.undecided": "sans décision",
    "round.phase.cancelled": "annulée",
    "round.notYet": "Le vote n’est pas encore ouvert.",
    "round.ballotOpen":
      "Le vote est ouvert jusqu’au {date}. Cochez chaque projet que vous approuvez : les montants seront répartis à parts égales entre les votants.",
    "round.alreadyKept": "Déjà financé par consentement : {projects}.",
    "round.ballotsCast":
      "{count:# bulletin reçu|# bulletins reçus} sur {voters:# votant|# votants}.",
    "round.voted":
      "Vous avez voté. Vous pouvez encore changer votre vote jusqu’à la clôture ; seul le dernier compte.",
    "round.notOnRoll": "Vous n’êtes pas sur la liste des votants de cette répartition.",
    "round.ballotLegend": "Projets soumis au vote",
    "round.asks": "demande {amount}",
    "round.both": "{eur} et {hours}",
    "round.atLeast": "Au moins {count:# projet|# projets}.",
    "round.atMost": "Au plus {count:# projet|# projets}.",
    "round.vote": "Voter et signer",
    "round.cast": "Votre bulletin est signé et enregistré (entrée n° {index} du journal).",
    "round.mismatch":
      "Ce que le service demande de signer ne correspond pas à ce bulletin : rien n’a été signé.",
    "round.resultTitle": "Résultat",
    "round.undecided":
      "Le quorum n’a pas été atteint : rien n’est réparti, l’argent et les heures restent pour le prochain trimestre.",
    "round.adopted": "La proposition a été adoptée par consentement :",
    "round.decidedByBallot":
      "Décidée par le vote : {ballots:# bulletin|# bulletins} sur {voters:# votant|# votants}.",
    "round.total": "Financé : {eur} sur {budgetEur} et {hours} sur {budgetHours}.",
    "round.approvals":
      "{count:# votant|# votants} sur {voters} {count:l’a approuvé|l’ont approuvé}.",
    "round.keptByConsent": "Financé par consentement : {amount}.",
    "round.funded": "Financé : {amount}.",
    "round.notFunded": "Pas financé : {reason}",
    "round.recounting": "Recomptage des bulletins publiés dans votre navigateur…",
    "round.recountSame": "Recomptée dans votre navigateur : même résultat.",
    "round.recountDiffers": "Recomptée dans votre navigateur : résultat différent ({what}).",
    "round.recountFailed": "Le recomptage dans votre navigateur a échoué : {error}",
    "round.recountHash": "Empreinte SHA-256 du dépouillement : {hash}",
    "round.recountDiff.tally_sha256": "l’empreinte du dépouillement",
    "round.recountDiff.decision": "les projets financés",
    "round.recountDiff.decision_sha256": "l’empreinte de la décision",
    "round.earlier": "Répartition précédente : {label} ({quarter})",
    "round.reason.no_approvals": "personne ne l’a approuvé.",
    "round.reason.core_not_funded": "sa partie principale n’a pas été financée.",
    "round.reason.exceeds_budget": "il demande {cost}, plus que tout le budget.",
    "round.reason.budget_left_short": "il demande {cost}, il ne restait que {left}.",
    "round.reason.conflicted_supporters": "tous ses soutiens ont un conflit d’intérêts.",
    "round.reason.supporters_short":
      "il demande {cost} ; ses soutiens n’avaient plus assez de parts pour le payer.",
    "audit.title": "Journal et audit",
    "audit.intro":
      "Tout ce qui change le grand livre est une entrée signée d’un journal de Merkle. Le journal signe régulièrement un point de contrôle ; des témoins le contresignent après avoir vérifié qu’il prolonge le précédent.",
    "audit.checkpoint": "Dernier point de contrôle",
    "audit.noCheckpoint": "Aucun point de contrôle signé pour l’instant.",
    "audit.origin": "Journal",
    "audit.size": "Nombre d’entrées",
    "audit.root": "Racine",
    "audit.logVerified": "Signature du journal vérifiée dans ce navigateur.",
    "audit.badSignature": "La signature du journal ne se vérifie pas sur ce point de contrôle.",
    "audit.cosignatures": "Contresignatures",
    "audit.noCosignatures": "Aucun témoin ne l’a encore contresigné.",
    "audit.cosignedAt": "a contresigné le {date}",
    "audit.verifyTitle": "Vérifier tout le journal",
    "audit.logKey": "La clé du journal, à comparer avec celle publiée par le territoire :",
    "audit.exportStep":
      "1. La personne opératrice produit l’export complet et signé du grand livre et vous le transmet :",
    "audit.verifyStep":
      "2. Vérifiez-le hors ligne : chaque signature, chaque point de contrôle et chaque solde sont recalculés depuis zéro.",
    "audit.tallyStep": "3. Recomptez une répartition à partir de ses seules entrées signées :",
    "audit.witnessTitle": "Ma clé de témoin",
    "audit.auditorsOnly": "Seuls les auditeurs contresignent les points de contrôle.",
    "audit.witnessIntro":
      "Votre clé de témoin est créée dans ce navigateur et n’en sort jamais. Vous l’enregistrez vous-même, par une demande qu’elle signe ; vous contresignez ensuite depuis cette page.",
    "audit.witnessName": "Nom du témoin",
    "audit.witnessNameHint": "Sans espace ni « + », par exemple audit.exemple.fr/t1.",
    "audit.createKey": "Créer et enregistrer la clé de témoin",
    "audit.keyCreated": "Clé de témoin créée et enregistrée.",
    "audit.witnessHere": "Clé de témoin « {name} » :",
    "audit.lastCosigned": "Dernier point contresigné par cette clé : {size} entrées.",
    "audit.cosignIntro":
      "Contresigner fait signer au journal un point de contrôle de son état actuel, vérifie sa signature et qu’il prolonge le dernier que vous avez contresigné (preuve de cohérence RFC 9162), puis le signe avec votre clé.",
    "audit.cosign": "Vérifier et contresigner",
    "audit.cosigned": "Point de contrôle de {size} entrées contresigné.",
    "audit.cosignedConsistent":
      "Cohérent avec le précédent : point de contrôle de {size} entrées contresigné.",
    "audit.inconsistent":
      "Ce point de contrôle ne prolonge pas le dernier que vous avez contresigné : rien n’a été signé.",
    "offers.tag.offer": "Offre",
    "offers.tag.request": "Demande",
    // The coordinator's pages (views/coordinator*.js).
    "coord.nav.members": "Adhésions et limites",
    "coord.nav.report": "Rapport",
    "coord.nav.ledger": "Corrections et mandats",
    "coord.title": "Coordination",
    "coord.onlyCoordinators": "Cette page est réservée aux membres du groupe de coordination.",
    "coord.membersTitle": "Adhésions et limites",
    "coord.membersIntro":
      "Les demandes d’adhésion à accepter ou refuser, et les membres dont le solde approche ou dépasse une limite.",
    "coord.applications": "Demandes d’adhésion",
    "coord.noApplications": "Aucune demande en attente.",
    "coord.neighbourhood": "Quartier : {place}",
    "coord.languages": "Langues : {languages}",
    "coord.accept": "Accepter",
    "coord.refuse": "Refuser",
    "coord.accepted": "Adhésion de {name} acceptée.",
    "coord.refused": "Demande de {name} refusée.",
    "coord.nearLimits": "Membres proches de leurs limites",
    "coord.nearIntro":
      "Solde dans la marge d’alerte du territoire avant une limite, ou au-delà : plus rien ne peut aller dans ce sens.",
    "coord.noneNear": "Aucun membre n’approche de ses limites.",
    "coord.state.near_min": "proche du plancher",
    "coord.state.near_max": "proche du plafond",
    "coord.state.past_min": "au plancher",
    "coord.state.past_max": "au plafond",
    "coord.state.within": "dans ses limites",
    "coord.balance": "Solde",
    "coord.low": "Plancher",
    "coord.high": "Plafond",
    "coord.noBound": "aucun",
    "coord.changeLimits": "Changer les limites de {name}",
    "coord.limitsOf": "Limites de {name}",
    "coord.lowHours": "Plancher (heures, négatif)",
    "coord.highHours": "Plafond (heures)",
    "coord.emptyNoBound": "Vide : pas de limite. Par quarts d’heure, par exemple −12,5.",
    "coord.saveLimits": "Enregistrer les limites",
    "coord.limitsChanged": "Limites de {name} : plancher {low}, plafond {high}.",
    "coord.reportTitle": "Rapport de la banque du temps",
    "coord.reportIntro":
      "Les heures échangées et confirmées, par mois et par catégorie, et l’activité des membres.",
    "coord.totalExchanged": "Heures échangées",
    "coord.activeMembers": "Membres actifs (90 jours)",
    "coord.inactiveMembers": "Membres inactifs",
    "coord.withoutOffers": "Sans offre ouverte",
    "coord.proposalsStatus": "Échanges au statut « {status} »",
    "coord.byMonth": "Heures échangées par mois",
    "coord.byCategory": "Heures échangées par catégorie",
    "coord.byMonthTable": "Les mêmes chiffres, mois par mois",
    "coord.byCategoryTable": "Les mêmes chiffres, catégorie par catégorie",
    "coord.monthChartLabel": "Graphique en barres des heures échangées par mois : {summary}.",
    "coord.categoryChartLabel":
      "Graphique en barres des heures échangées par catégorie : {summary}.",
    "coord.pair": "{name} : {value}",
    "coord.hoursAxis": "Axe vertical : heures.",
    "coord.month": "Mois",
    "coord.category": "Catégorie",
    "coord.hours": "Heures",
    "coord.uncategorised": "Sans catégorie",
    "coord.noExchanges": "Aucun échange confirmé pour l’instant.",
    "coord.exports": "Exports CSV",
    "coord.exportsIntro":
      "Le fichier est préparé avec votre session, puis enregistré par votre navigateur.",
    "coord.reportCsv": "Le rapport (section, clé, valeur)",
    "coord.statementCsv": "Mon relevé de compte",
    "coord.prepareReport": "Préparer le rapport CSV",
    "coord.prepareStatement": "Préparer mon relevé CSV",
    "coord.save": "Enregistrer {name}",
    "coord.size": "({size} Ko)",
    "coord.ready": "Fichier {name} prêt à enregistrer.",
    "coord.ledgerTitle": "Corrections et mandats",
    "coord.ledgerIntro":
      "Annuler une transaction saisie par erreur, et confirmer un échange pour une personne sans appareil. Chaque signature est faite dans ce navigateur, avec la clé de votre appareil.",
    "coord.keyCapacity": "Clé de cet appareil : {key}… ({capacity}).",
    "coord.capacity.member": "clé de membre",
    "coord.capacity.operator": "clé d’opération",
    "coord.capacity.witness": "clé de témoin",
    "coord.capacity.unknown": "capacité inconnue",
    "coord.noKey":
      "Cet appareil n’a pas encore de clé enregistrée : créez-la depuis « Mon appareil ».",
    "coord.memberKey":
      "La clé de cet appareil est une clé de membre : le grand livre n’accepte une correction que signée par une clé d’opération, ou par les membres dont elle débite le compte. Demandez à la personne opératrice d’enregistrer la clé de cet appareil comme clé d’opération.",
    "coord.corrections": "Corrections",
    "coord.correctionsIntro":
      "Une transaction n’est jamais modifiée : une correction enregistre son exact inverse, avec un motif.",
    "coord.findTitle": "Retrouver une transaction",
    "coord.txId": "Identifiant de la transaction",
    "coord.txIdHint": "Par exemple 3f2c…-…, tel qu’il figure dans un relevé.",
    "coord.find": "Chercher",
    "coord.notFound": "Aucune transaction ni aucun échange confirmé avec cet identifiant.",
    "coord.notRecorded":
      "Cet échange n’est pas enregistré dans le grand livre (il est {status}) : il n’y a rien à corriger.",
    "coord.recentExchanges": "Derniers échanges confirmés",
    "coord.correctThis": "Corriger cet échange",
    "coord.exchangeLine": "{provider} a rendu {duration} à {receiver}",
    "coord.transaction": "{kind} {id}…",
    "coord.recordedAt": "Enregistrée le {date}",
    "coord.account": "Compte",
    "coord.movement": "Mouvement",
    "coord.otherAccount": "compte {id}…",
    "coord.original": "La transaction",
    "coord.correctionPreview": "La correction que vous signez",
    "coord.reason": "Motif de la correction",
    "coord.reasonHint": "Visible des membres concernés.",
    "coord.reverseSubmit": "Annuler cette transaction et signer",
    "coord.reversed":
      "Correction enregistrée : la transaction {id}… est annulée (entrée {index} du journal).",
    "coord.correctionRecorded": "La correction enregistrée",
    "coord.alreadyReversed": "Cette transaction a déjà été annulée.",
    "coord.needOperatorKey":
      "Le grand livre refuse cette correction : elle doit être signée par une clé d’opération (ou par les membres dont elle débite le compte). Rien n’a été enregistré.",
    "coord.custodial": "Confirmer pour une personne sans appareil",
    "coord.custodialIntro":
      "Un échange en attente reçu par une personne sans appareil peut être confirmé par sa personne mandataire, avec sa propre clé. Le journal marque la signature comme faite au nom de cette personne.",
    "coord.noCustodial": "Aucun échange en attente pour une personne sans appareil.",
    "coord.noDevice": "{name} n’a pas d’appareil",
    "coord.confirmFor": "Confirmer pour {name} (signature mandataire)",
    "coord.notCustodian":
      "Vous n’êtes pas désigné·e mandataire de {name} : la personne opératrice désigne les mandataires. Rien n’a été enregistré.",
    "coord.custodialTag": "Signature mandataire",
    "coord.custodialDone": "Échange de {duration} confirmé au nom de {name}.",
    "coord.custodialLogged":
      "Le journal l’enregistre comme une signature mandataire : votre clé {key}… a signé au nom de {name}.",
    "coord.custodialMissing":
      "Le journal ne montre pas de signature faite au nom de cette personne.",
    // The facilitator's and the coordination group's page (views/facilitator.js).
    "facil.nav": "Conduite des répartitions",
    "facil.title": "Conduite des répartitions",
    "facil.intro":
      "Du dépôt des projets au versement : la proposition de l’animatrice ou de l’animateur, la position de chaque membre du groupe, les objections et leurs raisons, puis le vote et son décompte.",
    "facil.none": "Aucune répartition pour l’instant.",
    "facil.pick": "Répartition affichée",
    "facil.createTitle": "Ouvrir une nouvelle répartition",
    "facil.label": "Nom",
    "facil.quarter": "Trimestre des heures promises",
    "facil.quorum": "Quorum",
    "facil.proposalsClose": "Fin du dépôt des projets",
    "facil.consentClose": "Fin du consentement",
    "facil.ballotClose": "Fin du vote",
    "facil.create": "Ouvrir la répartition",
    "facil.created": "Répartition {label} ouverte.",
    "facil.rule": "Règle de décompte",
    "facil.voters": "Votants",
    "facil.budget": "Ressources gelées",
    "facil.submissions": "Projets proposés",
    "facil.submissionsCaption": "Ce que chaque projet demande, et le minimum qui a encore du sens",
    "facil.noSubmissions": "Aucun projet proposé pour l’instant.",
    "facil.project": "Projet",
    "facil.group": "Groupe",
    "facil.asks": "Demande",
    "facil.minimum": "Minimum",
    "facil.submitTitle": "Proposer un projet",
    "facil.askEur": "Euros demandés",
    "facil.askHours": "Heures demandées",
    "facil.minEur": "Minimum en euros (facultatif)",
    "facil.minHours": "Minimum en heures (facultatif)",
    "facil.submit": "Proposer ce projet",
    "facil.submitted": "{project} est proposé.",
    "facil.snapshotIntro":
      "Arrêter la liste des votants gèle aussi l’argent disponible du fonds et les heures promises : la proposition se fait ensuite sur ces montants.",
    "facil.snapshot": "Arrêter la liste des votants et les ressources",
    "facil.snapshotDone": "Liste des votants et ressources arrêtées.",
    "facil.proposal": "Proposition",
    "facil.proposalVersion": "Proposition, version {version}",
    "facil.proposalLines": "Lignes de la proposition",
    "facil.noProposal": "Pas encore de proposition.",
    "facil.leftOut": "absent de la proposition",
    "facil.inProposal": "dans la proposition",
    "facil.proposeTitle": "Rédiger la première proposition",
    "facil.amendTitle":
      "Proposer une version amendée ({left:# amendement possible|# amendements possibles})",
    "facil.proposeHint":
      "À répartir : {eur} et {hours}. Laissez 0 pour un projet que la proposition ne finance pas.",
    "facil.eur": "Euros",
    "facil.hours": "Heures",
    "facil.propose": "Proposer",
    "facil.amend": "Proposer la version amendée",
    "facil.proposed": "Proposition version {version} ouverte au consentement.",
    "facil.stances": "Positions du groupe",
    "facil.stanceCount":
      "{count:# position|# positions} sur {voters:# votant|# votants} (quorum : {quorum}).",
    "facil.perProject": "Objections par projet",
    "facil.noObjection": "Aucune objection.",
    "facil.object.line": "{name} objecte à cette ligne :",
    "facil.object.omission": "{name} objecte à son absence :",
    "facil.reasonErased": "raison effacée",
    "facil.stancesCaption": "Toutes les positions sur la proposition en cours",
    "facil.voter": "Membre",
    "facil.stance": "Position",
    "facil.about": "Sur",
    "facil.reason": "Raison",
    "facil.wholeProposal": "toute la proposition",
    "facil.target": "Objet de l’objection",
    "facil.target.line": "la ligne « {project} »",
    "facil.target.omission": "l’absence de « {project} »",
    "facil.stanceName.consent": "Je consens",
    "facil.stanceName.stand_aside": "Je me mets en retrait",
    "facil.stanceName.object": "J’objecte",
    "facil.yourStance": "Votre position",
    "facil.reasonHint": "Une objection dit pourquoi la proposition nuirait au projet commun.",
    "facil.objectionNeeds": "Une objection nomme la ligne ou l’absence visée et donne sa raison.",
    "facil.giveStance": "Donner ma position",
    "facil.stanceGiven": "Position enregistrée : {stance}.",
    "facil.closeConsent": "Clore le consentement",
    "facil.consentClosed": "Consentement clos.",
    "facil.consent.adopted":
      "Proposition adoptée par consentement ({participants:# participant|# participants}).",
    "facil.consent.ballot":
      "Des objections demeurent ({participants:# participant|# participants}) : ce qu’elles visent passe au vote.",
    "facil.consent.undecided":
      "Quorum non atteint ({participants:# participant|# participants}) : pas de décision.",
    "facil.toBallot": "Au vote : {projects}, sur ce qui reste ({left}).",
    "facil.ballot": "Vote",
    "facil.votedSoFar": "Ont voté : {names}.",
    "facil.goVote": "Voter sur la page Répartition",
    "facil.closeBallot": "Clore le vote et décompter",
    "facil.ballotClosed": "Vote clos et décompté.",
    "facil.transcript": "Décompte : pourquoi chaque projet est financé ou non",
    "facil.euros": "Euros du fonds",
    "facil.hoursWord": "Heures promises",
    "facil.budgetUsed": "{what} : {used} sur {whole} vont aux projets.",
    "facil.budgetLeft": "reste : {left}",
    "facil.chartKey":
      "Pour chaque projet, la première barre montre la part des votants qui l’ont approuvé ; les deux suivantes, les euros puis les heures demandés (contour) et obtenus (plein), sur tout le budget.",
    "facil.askedGot": "Demandé : {asked}. Obtenu : {got}.",
    "facil.why.mes":
      "Choisi à l’étape {step} des parts égales : {payers:# votant l’a payé|# votants l’ont payé} sur leur part.",
    "facil.why.greedy": "Ajouté ensuite avec ce qui restait, par ordre d’approbations.",
    "facil.execution": "Versement",
    "facil.executionIntro":
      "Verser la décision retire les euros du fonds et les heures du pot des promesses, vers les projets, en une seule fois. La page vérifie que les transactions composées par le service sont exactement la décision affichée avant de les signer.",
    "facil.needOperator":
      "Le versement dépense depuis les comptes du service : il faut la clé d’un opérateur. Demandez à un opérateur de verser depuis cette page.",
    "facil.noOperatorKey": "Cet appareil n’a pas de clé d’opérateur.",
    "facil.createOperatorKey": "Créer la clé d’opérateur de cet appareil",
    "facil.operatorKeyMade": "Clé d’opérateur créée et enregistrée.",
    "facil.execute": "Vérifier, signer et verser",
    "facil.executedNow": "Décision versée.",
    "facil.executed": "Décision versée : {count:# transaction|# transactions} au journal.",
    "facil.mismatch":
      "Ce que le service demande de signer ne correspond pas à la décision affichée : rien n’a été signé.",
    "facil.someone": "membre {id}",
    // A partner's contributions and their use (views/partner.js).
    "partner.nav": "Contributions au fonds",
    "partner.title": "Contributions au fonds",
    "partner.intro":
      "Ce que chaque partenaire a apporté au fonds de coresponsabilité, et où cet argent est allé : les projets financés par les répartitions, les remboursements et ce qui reste dans le fonds.",
    "partner.fund": "Le fonds au {date}",
    "partner.received": "Reçu",
    "partner.granted": "Attribué aux projets",
    "partner.repaid": "Remboursé",
    "partner.balance": "Solde",
    "partner.owedAll": "Dépôts encore dus",
    "partner.available": "Disponible",
    "partner.none": "Aucun partenaire à afficher.",
    "partner.pick": "Partenaire",
    "partner.kindName.city": "Ville",
    "partner.kindName.foundation": "Fondation",
    "partner.kindName.company": "Entreprise",
    "partner.kindName.association": "Association",
    "partner.kindName.resident": "Habitant",
    "partner.summary":
      "{count:# contribution|# contributions}, {total} en tout, dont {granted} attribués à des projets.",
    "partner.noContribution": "Aucune contribution pour l’instant.",
    "partner.uses": "Où va chaque contribution",
    "partner.use.gift": "Don",
    "partner.use.deposit": "Dépôt remboursable",
    "partner.contributionLine": "{kind} de {amount}, le {date}",
    "partner.useSentence":
      "{granted} attribués à des projets, {repaid} remboursés, {inFund} encore dans le fonds.",
    "partner.legend.granted": "attribué aux projets",
    "partner.legend.repaid": "remboursé",
    "partner.legend.in-fund": "encore dans le fonds",
    "partner.contributionsCaption": "Contributions, de la plus ancienne à la plus récente",
    "partner.date": "Date",
    "partner.kind": "Nature",
    "partner.amount": "Montant",
    "partner.inFund": "Dans le fonds",
    "partner.owed": "Encore dû",
    "partner.projects": "Projets financés",
    "partner.projectsCaption":
      "La part de vos contributions reçue par chaque projet, et ce qu’il en a déjà payé",
    "partner.project": "Projet",
    "partner.paidOut": "Déjà payé par le projet",
    "partner.picture": "Part attribuée",
    "partner.noGrant": "Aucun projet n’a encore reçu d’argent de vos contributions.",
  },
  en: {
    "app.name": "mutual",
    "app.tagline": "The territory’s time bank",
    skip: "Skip to content",
    "nav.label": "Main navigation",
    "nav.home": "My balance",
    "nav.record": "Record an exchange",
    "nav.confirm": "To confirm",
    "nav.offers": "Offers and requests",
    "nav.key": "My device",
    "language.switch": "Français",
    "language.switchLabel": "Passer en français",
    signOut: "Sign out",
    loading: "Loading…",
    "signIn.title": "Sign in",
    "signIn.intro": "Sign in with the login and password you chose when you joined.",
    "signIn.login": "Login",
    "signIn.password": "Password",
    "signIn.submit": "Sign in",
    "signIn.busy": "Signing in…",
    "signIn.codeTitle": "One-time code",
    "signIn.codeIntro":
      "Receive a one-time sign-in code through the contact details you gave when you joined, then type it here.",
    "signIn.askCode": "Send me a code",
    "signIn.withCode": "Use a one-time code",
    "signIn.codeSent":
      "If this login is a member’s, a code is on its way. It works once, for a short time.",
    "signIn.code": "Code received",
    "signIn.useCode": "Sign in with this code",
    "signIn.codeFailed": "This code is unknown, already used or expired: ask for a new one.",
    "join.link": "Apply to join",
    "join.invited": "I have an invitation",
    "join.forgot": "Forgot your password?",
    "join.title": "Apply to join",
    "join.intro":
      "Fill in this form: someone from the coordination looks at it, then sends you an invitation to choose your password.",
    "join.name": "Display name",
    "join.neighbourhood": "Neighbourhood",
    "join.language": "Language",
    "join.email": "E-mail address",
    "join.emailHint": "To receive your invitation and your notices. Optional.",
    "join.phone": "Phone",
    "join.phoneHint": "Optional.",
    "join.emailSeen": "Who sees your e-mail address",
    "join.phoneSeen": "Who sees your phone",
    "join.visibleMembers": "Every member",
    "join.visibleCoordinators": "The coordination only",
    "join.charterTitle": "The territory’s charter",
    "join.charterAccept": "I have read the charter and accept it",
    "join.submit": "Send my application",
    "join.sent":
      "Application sent. Someone from the coordination will look at it; you will then receive an invitation (by e-mail if you gave an address).",
    "join.back": "Back to signing in",
    "invite.title": "Welcome",
    "invite.intro":
      "Your membership is accepted. Choose the login and password you will sign in with.",
    "invite.code": "Invitation code",
    "invite.codeHint": "The 8 characters you received, for instance ABCD-EFGH.",
    "invite.login": "Login",
    "invite.loginHint": "Your e-mail address or a nickname, at least 3 characters.",
    "invite.password": "Password",
    "invite.passwordHint": "At least 12 characters: a sentence easy to remember works well.",
    "invite.confirm": "Password, once more",
    "invite.mismatch": "The two passwords differ.",
    "invite.submit": "Choose this password",
    "invite.done":
      "Password chosen, you are signed in. Last step: create this device’s key, which signs your exchanges.",
    "reset.title": "Forgotten password",
    "reset.intro":
      "Give your login: if we know it, we send a one-time code to your e-mail address.",
    "reset.ask": "Send me a code",
    "reset.sent":
      "If this login exists, a code has just been sent to its account’s e-mail address. Type it below.",
    "reset.code": "Code received by e-mail",
    "reset.password": "New password",
    "reset.submit": "Change my password",
    "key.thisKey": "This device’s key",
    "key.madeOn": "This device’s key, made on {date}",
    "key.otherKey": "Another device’s key",
    "key.registeredAt": "registered at entry {index} of the log",
    "coord.invitation":
      "Invitation to hand to the person (it works once, until {date}): the link, or the code to type in the page “I have an invitation”.",
    "coord.invitationLink": "Link",
    "coord.invitationCode": "Code",
    "coord.invitationMailed": "It was also sent to them by e-mail.",
    "home.title": "My balance",
    "home.hello": "Hello {name}",
    "home.balance": "Time balance",
    "home.limits": "Limits: from {min} to {max}",
    "home.pending": "{count:# exchange is|# exchanges are} waiting for your confirmation.",
    "home.pendingLink": "See them",
    "home.noKey": "This device has no key yet: you need one to confirm an exchange.",
    "home.noKeyLink": "Create this device’s key",
    "notif.nav": "Notifications",
    "notif.title": "Notifications",
    "notif.intro": "Newest first ({count} at most).",
    "notif.empty": "No notifications yet.",
    "notif.new": "New",
    "notif.toConfirm": "Confirm or reject this exchange",
    "notif.unseen": "{count:# new notification|# new notifications}",
    "statement.title": "Statement",
    "statement.caption": "Latest entries, newest first",
    "statement.date": "Date",
    "statement.kind": "Kind",
    "statement.amount": "Amount",
    "statement.balance": "Balance after",
    "statement.empty": "No entries yet.",
    "statement.party": "With",
    "statement.description": "Description",
    "statement.category": "Category",
    "statement.older": "Older entries",
    "statement.loaded": "{count:# older entry added|# older entries added}.",
    "statement.allLoaded":
      "{count:# entry added|# entries added}: this is the start of the statement.",
    "statement.csv": "Download the statement (CSV)",
    "statement.print": "Print the statement",
    "statement.printedFor": "Time statement of {name}, printed on {date}.",
    "owner.member": "Member",
    "owner.organisation": "Organisation",
    "owner.project": "Project",
    "owner.commons_pool": "The commons pot",
    "owner.collection_point": "Collection point",
    "owner.outside_world": "Outside world",
    "people.former": "Former member",
    "people.number": "no. {number}",
    "people.hint": "Type part of the name or the member number, then choose from the list.",
    "people.pick": "Choose a person from the list.",
    "people.matches": "{count:# person found|# people found}.",
    "people.manyMatches": "First {count} people found; type more of the name.",
    "people.noMatch": "Nobody matches.",
    "nav.directory": "Directory",
    "directory.title": "Member directory",
    "directory.intro":
      "Find someone by their name or member number, their neighbourhood or what they offer.",
    "directory.name": "Name or member number",
    "directory.nameHint": "Two people of the same name differ by their number and neighbourhood.",
    "directory.neighbourhood": "Neighbourhood",
    "directory.anywhere": "All neighbourhoods",
    "directory.offersField": "What they offer or ask for",
    "directory.submit": "Search",
    "directory.results": "Members found",
    "directory.shown": "{count:# member shown|# members shown}.",
    "directory.none": "No member matches.",
    "directory.more": "More members",
    "directory.offers": "Offers and requests",
    "directory.noOffers": "No current offer or request.",
    "directory.record": "Log an exchange with this person",
    "directory.recordWith": "Log an exchange with {name}",
    "record.category": "Category (optional)",
    "record.noCategory": "No category",
    "record.fromOffer": "About “{title}” ({category}).",
    "offers.record": "Log an exchange for “{title}”",
    "kind.exchange": "Exchange",
    "kind.commons_gift": "Gift to the commons",
    "kind.correction": "Correction",
    "kind.pledge": "Pledged hours",
    "kind.other": "Other",
    "record.title": "Record an exchange",
    "record.intro":
      "You provided a service: say to whom and for how long. They confirm it by signing from their device; nothing moves before that.",
    "record.receiver": "Who received the service",
    "record.choose": "Choose…",
    "record.hours": "Hours",
    "record.minutes": "Minutes",
    "record.duration": "Duration",
    "record.memo": "Description (optional)",
    "record.submit": "Record",
    "record.done": "Exchange of {duration} recorded with {name}: waiting for their confirmation.",
    "record.needDuration": "Give a duration.",
    "confirm.title": "Exchanges to confirm",
    "confirm.intro":
      "These people say they provided you a service. Confirming signs the exchange with this device’s key and moves the time.",
    "confirm.none": "Nothing to confirm.",
    "confirm.from": "{name} provided you {duration}",
    "confirm.expires": "Expires on {date}",
    "confirm.sign": "Confirm and sign",
    "confirm.reject": "Reject",
    "confirm.reason": "Why you reject it",
    "confirm.rejectSubmit": "Send the rejection",
    "confirm.confirmed": "Exchange confirmed: your balance is now {balance}.",
    "confirm.rejected": "Exchange rejected.",
    "confirm.mismatch":
      "What the service asks you to sign does not match the exchange shown: nothing was signed.",
    "confirm.needKey": "Create this device’s key first.",
    "sent.title": "My exchanges awaiting confirmation",
    "sent.to": "{duration} provided to {name}",
    "status.pending": "pending",
    "status.confirmed": "confirmed",
    "status.rejected": "rejected",
    "status.expired": "expired",
    "nav.pledges": "Pledged hours",
    "nav.goods": "Shared goods",
    "quarter.Q1": "Q1 {year}",
    "quarter.Q2": "Q2 {year}",
    "quarter.Q3": "Q3 {year}",
    "quarter.Q4": "Q4 {year}",
    "flows.mismatch":
      "What the service asks you to sign does not match what is shown: nothing was signed.",
    "pledges.title": "Pledge hours",
    "pledges.intro":
      "Pledge volunteer hours for a quarter: they join the territory’s pool, and the coordination group allocates them to projects. Your time balance does not move. The pledge is signed with this device’s key.",
    "pledges.quarter": "Quarter",
    "pledges.duration": "Hours pledged",
    "pledges.submit": "Pledge and sign",
    "pledges.done": "Pledge of {duration} for {quarter} recorded.",
    "pledges.mine": "My pledges",
    "pledges.none": "No pledge yet.",
    "pledges.pledged": "Pledged",
    "pledges.held": "In the pool",
    "pledges.allocated": "Allocated to projects",
    "pledges.delivered": "Delivered",
    "pledges.released": "Released",
    "pledges.projects": "Projects",
    "pledges.project": "{name}: {allocated} allocated, {delivered} delivered",
    "goods.title": "Shared goods",
    "goods.intro":
      "The goods the territory lends, and where to find them. To borrow, go to the collection point: its keeper records the loan, then the return.",
    "goods.youKeep": "You keep a collection point.",
    "goods.keeperLink": "Manage my collection point",
    "goods.myLoans": "My loans",
    "goods.noLoans": "You have nothing on loan.",
    "goods.points": "Collection points",
    "goods.noPoints": "No collection point yet.",
    "goods.catalogue": "Catalogue",
    "goods.noKinds": "The catalogue is empty.",
    "goods.noStock": "Nothing in stock.",
    "goods.stockOf": "Stock of {point}",
    "goods.kind": "Item",
    "goods.onShelf": "Available",
    "goods.onLoan": "On loan",
    "goods.dueOn": "Due back on {date}",
    "goods.overdueSince": "Was due back on {date}",
    "goods.overdue": "overdue",
    "goods.loanLine": "{kind} × {count}",
    "goods.from": "Borrowed from {point}",
    "goods.moves": "My latest loans and returns",
    "goods.moveLine": "{kind} × {count}, {point}, on {date}",
    "goods.move.loan": "Borrowed",
    "goods.move.return": "Returned",
    "keeper.title": "My collection point",
    "keeper.intro":
      "Your point’s stock, its open and overdue loans. Every loan, return or intake is signed with this device’s key on the point’s behalf.",
    "keeper.noKey": "This device has no key yet: you need one to sign on the point’s behalf.",
    "keeper.none": "You keep no collection point.",
    "keeper.openLoans": "Open loans",
    "keeper.loanSummary": "{open:# open loan|# open loans}, {overdue} overdue.",
    "keeper.loanLine": "{kind} × {count} with {name}",
    "keeper.returnCount": "Items returned",
    "keeper.returnSubmit": "Record the return and sign",
    "keeper.returned": "Return recorded: {kind} × {count} brought back by {name}.",
    "keeper.lend": "Lend",
    "keeper.count": "Number of items",
    "keeper.dueOn": "Due back on",
    "keeper.borrower": "Who borrows",
    "keeper.lendSubmit": "Lend and sign",
    "keeper.lent": "Loan recorded: {kind} × {count} to {name}.",
    "keeper.deposit": "Items received",
    "keeper.depositIntro": "Items brought to the point join its stock.",
    "keeper.depositSubmit": "Add to stock and sign",
    "keeper.deposited": "{kind} × {count} added to the stock.",
    "keeper.notOnShelf": "There are not enough items available for this loan.",
    "offers.title": "Offers and requests",
    "offers.filter": "Filter",
    "offers.direction": "Kind",
    "offers.all": "All",
    "offers.offer": "Offers",
    "offers.request": "Requests",
    "offers.search": "Search",
    "offers.submit": "Show",
    "offers.none": "No offer or request matches.",
    "offers.by": "By {name}",
    "offers.estimate": "About {duration}",
    "offers.category": "Category: {category}",
    "key.title": "This device’s key",
    "key.intro":
      "Your signing key is made in this browser and never leaves it. It signs the exchanges you confirm.",
    "key.none": "This device has no key.",
    "key.create": "Create and register this device’s key",
    "key.registered": "registered",
    "key.unregistered": "not registered yet",
    "key.register": "Finish registering",
    "key.created": "Key created and registered.",
    "key.unsupported":
      "This browser cannot make an Ed25519 key. Ask a coordinator to sign on your behalf.",
    "key.listTitle": "My registered keys",
    "key.listNone": "No key registered.",
    "key.active": "active",
    "key.revoked": "revoked",
    "key.lost": "Device lost? Revoke this key",
    "key.revokeConfirm": "Revoke this key? It will no longer sign anything.",
    "key.revokedDone": "Key revoked.",
    "key.replaced": "This device’s key was replaced.",
    "key.recoveryIntro":
      "You have had a key. If you still hold it on another device, revoke or add a key from there. If you lost every device, prepare a new key here and ask a coordinator to start a recovery: it takes effect after a delay, during which you are told.",
    "key.recoveryPrepare": "Every device lost: prepare a new key",
    "key.recoveryPrepared": "New key prepared on this device.",
    "key.recoveryGive":
      "Give this code to a coordinator: they ask for the recovery with their own key.",
    "key.recoveryWaiting": "Recovery requested: you can finish it here from {due}.",
    "key.recoveryComplete": "Finish the recovery",
    "key.recovered": "New key registered; your old keys are revoked.",
    "key.recoveryAgainst":
      "A recovery of your key was requested: another key would replace yours from {due}. If it was not you, cancel it.",
    "key.recoveryCancel": "Cancel this recovery",
    "key.recoveryCancelled": "Recovery cancelled.",
    "key.replace": "Replace this device’s key",
    "error.generic": "Something went wrong.",
    "refusal.field": "To check: {field}.",
    "unusual.exchange":
      "{duration} for one exchange is more than usual (beyond {usual}). Is that the right duration?",
    "unusual.pledge":
      "{duration} pledged for a quarter is more than usual (beyond {usual}). Is that the right duration?",
    "unusual.limit":
      "A limit of {duration} is more than usual (beyond {usual} either way). Is that the limit you mean?",
    "unusual.yes": "Yes, send it",
    "unusual.no": "No, correct it",
    "error.network": "The service does not answer. Check your connection.",
    "nav.round": "Allocation",
    "nav.audit": "Log and audit",
    "round.title": "This quarter’s allocation",
    "round.intro":
      "Each quarter the coordination group shares the fund’s money and the pledged hours among the projects: by consent first, then by a vote when an objection stands.",
    "round.none": "No allocation round yet.",
    "round.label": "Allocation {label} ({quarter})",
    "round.phase.proposals": "projects being submitted",
    "round.phase.snapshot": "voter roll frozen",
    "round.phase.consent": "consent under way",
    "round.phase.ballot": "voting open",
    "round.phase.decided": "decided",
    "round.phase.executed": "decided and paid",
    "round.phase.undecided": "no decision",
    "round.phase.cancelled": "cancelled",
    "round.notYet": "Voting is not open yet.",
    "round.ballotOpen":
      "Voting is open until {date}. Tick every project you approve: the amounts are shared out in equal shares among the voters.",
    "round.alreadyKept": "Already funded by consent: {projects}.",
    "round.ballotsCast": "{count:# ballot|# ballots} received from {voters:# voter|# voters}.",
    "round.voted":
      "You have voted. You may still change your vote until the close; only the last one counts.",
    "round.notOnRoll": "You are not on this round’s voter roll.",
    "round.ballotLegend": "Projects put to the vote",
    "round.asks": "asks {amount}",
    "round.both": "{eur} and {hours}",
    "round.atLeast": "At least {count:# project|# projects}.",
    "round.atMost": "At most {count:# project|# projects}.",
    "round.vote": "Vote and sign",
    "round.cast": "Your ballot is signed and recorded (log entry no. {index}).",
    "round.mismatch":
      "What the service asks you to sign does not match this ballot: nothing was signed.",
    "round.resultTitle": "Result",
    "round.undecided":
      "The quorum was not met: nothing is allocated, the money and hours stay for next quarter.",
    "round.adopted": "The proposal was adopted by consent:",
    "round.decidedByBallot":
      "Decided by the vote: {ballots:# ballot|# ballots} from {voters:# voter|# voters}.",
    "round.total": "Funded: {eur} of {budgetEur} and {hours} of {budgetHours}.",
    "round.approvals": "{count} of {voters} voters approved it.",
    "round.keptByConsent": "Funded by consent: {amount}.",
    "round.funded": "Funded: {amount}.",
    "round.notFunded": "Not funded: {reason}",
    "round.recounting": "Recounting the published ballots in your browser…",
    "round.recountSame": "Recounted in your browser: same result.",
    "round.recountDiffers": "Recounted in your browser: a different result ({what}).",
    "round.recountFailed": "The recount in your browser failed: {error}",
    "round.recountHash": "SHA-256 of the tally: {hash}",
    "round.recountDiff.tally_sha256": "the tally’s hash",
    "round.recountDiff.decision": "the funded projects",
    "round.recountDiff.decision_sha256": "the decision’s hash",
    "round.earlier": "Previous round: {label} ({quarter})",
    "round.reason.no_approvals": "nobody approved it.",
    "round.reason.core_not_funded": "its core part was not funded.",
    "round.reason.exceeds_budget": "it asks {cost}, more than the whole budget.",
    "round.reason.budget_left_short": "it asks {cost}, only {left} was left.",
    "round.reason.conflicted_supporters": "every supporter has a conflict of interest.",
    "round.reason.supporters_short":
      "it asks {cost}; its supporters had too little share left to pay for it.",
    "audit.title": "Log and audit",
    "audit.intro":
      "Everything that changes the ledger is a signed entry of a Merkle log. The log regularly signs a checkpoint; witnesses cosign it after checking it extends the previous one.",
    "audit.checkpoint": "Latest checkpoint",
    "audit.noCheckpoint": "No signed checkpoint yet.",
    "audit.origin": "Log",
    "audit.size": "Entries",
    "audit.root": "Root",
    "audit.logVerified": "The log’s signature was verified in this browser.",
    "audit.badSignature": "The log’s signature does not verify on this checkpoint.",
    "audit.cosignatures": "Cosignatures",
    "audit.noCosignatures": "No witness has cosigned it yet.",
    "audit.cosignedAt": "cosigned on {date}",
    "audit.verifyTitle": "Verify the whole log",
    "audit.logKey": "The log’s key, to compare with the one the territory publishes:",
    "audit.exportStep":
      "1. The operator makes the whole signed export of the ledger and hands it to you:",
    "audit.verifyStep":
      "2. Verify it offline: every signature, every checkpoint and every balance recomputed from zero.",
    "audit.tallyStep": "3. Recount an allocation round from its signed entries alone:",
    "audit.witnessTitle": "My witness key",
    "audit.auditorsOnly": "Only auditors cosign checkpoints.",
    "audit.witnessIntro":
      "Your witness key is made in this browser and never leaves it. You register it yourself, with a request it signs; you then cosign from this page.",
    "audit.witnessName": "Witness name",
    "audit.witnessNameHint": "No spaces and no “+”, for example audit.example.org/w1.",
    "audit.createKey": "Create and register the witness key",
    "audit.keyCreated": "Witness key created and registered.",
    "audit.witnessHere": "Witness key “{name}”:",
    "audit.lastCosigned": "Last checkpoint cosigned with this key: {size} entries.",
    "audit.cosignIntro":
      "Cosigning has the log sign a checkpoint of its current state, checks its signature and that it extends the last one you cosigned (RFC 9162 consistency proof), then signs it with your key.",
    "audit.cosign": "Verify and cosign",
    "audit.cosigned": "Checkpoint of {size} entries cosigned.",
    "audit.cosignedConsistent":
      "Consistent with the previous one: checkpoint of {size} entries cosigned.",
    "audit.inconsistent":
      "This checkpoint does not extend the last one you cosigned: nothing was signed.",
    "offers.tag.offer": "Offer",
    "offers.tag.request": "Request",
    // The coordinator's pages (views/coordinator*.js).
    "coord.nav.members": "Members and limits",
    "coord.nav.report": "Report",
    "coord.nav.ledger": "Corrections and custody",
    "coord.title": "Coordination",
    "coord.onlyCoordinators": "This page is for members of the coordination group.",
    "coord.membersTitle": "Members and limits",
    "coord.membersIntro":
      "Applications to accept or refuse, and the members whose balance is near or past a limit.",
    "coord.applications": "Applications",
    "coord.noApplications": "No application waiting.",
    "coord.neighbourhood": "Neighbourhood: {place}",
    "coord.languages": "Languages: {languages}",
    "coord.accept": "Accept",
    "coord.refuse": "Refuse",
    "coord.accepted": "{name}’s application accepted.",
    "coord.refused": "{name}’s application refused.",
    "coord.nearLimits": "Members near their limits",
    "coord.nearIntro":
      "A balance within the territory’s warning margin of a limit, or beyond it: nothing more can move that way.",
    "coord.noneNear": "No member is near their limits.",
    "coord.state.near_min": "near the floor",
    "coord.state.near_max": "near the ceiling",
    "coord.state.past_min": "at the floor",
    "coord.state.past_max": "at the ceiling",
    "coord.state.within": "within limits",
    "coord.balance": "Balance",
    "coord.low": "Floor",
    "coord.high": "Ceiling",
    "coord.noBound": "none",
    "coord.changeLimits": "Change {name}’s limits",
    "coord.limitsOf": "{name}’s limits",
    "coord.lowHours": "Floor (hours, negative)",
    "coord.highHours": "Ceiling (hours)",
    "coord.emptyNoBound": "Empty: no limit. In quarter hours, for example −12.5.",
    "coord.saveLimits": "Save the limits",
    "coord.limitsChanged": "{name}’s limits: floor {low}, ceiling {high}.",
    "coord.reportTitle": "Time bank report",
    "coord.reportIntro":
      "Hours exchanged and confirmed, per month and per category, and members’ activity.",
    "coord.totalExchanged": "Hours exchanged",
    "coord.activeMembers": "Active members (90 days)",
    "coord.inactiveMembers": "Inactive members",
    "coord.withoutOffers": "Without an open offer",
    "coord.proposalsStatus": "Exchanges “{status}”",
    "coord.byMonth": "Hours exchanged per month",
    "coord.byCategory": "Hours exchanged per category",
    "coord.byMonthTable": "The same figures, month by month",
    "coord.byCategoryTable": "The same figures, category by category",
    "coord.monthChartLabel": "Bar chart of the hours exchanged per month: {summary}.",
    "coord.categoryChartLabel": "Bar chart of the hours exchanged per category: {summary}.",
    "coord.pair": "{name}: {value}",
    "coord.hoursAxis": "Vertical axis: hours.",
    "coord.month": "Month",
    "coord.category": "Category",
    "coord.hours": "Hours",
    "coord.uncategorised": "Uncategorised",
    "coord.noExchanges": "No confirmed exchange yet.",
    "coord.exports": "CSV exports",
    "coord.exportsIntro": "The file is prepared with your session, then saved by your browser.",
    "coord.reportCsv": "The report (section, key, value)",
    "coord.statementCsv": "My account statement",
    "coord.prepareReport": "Prepare the report CSV",
    "coord.prepareStatement": "Prepare my statement CSV",
    "coord.save": "Save {name}",
    "coord.size": "({size} KB)",
    "coord.ready": "File {name} ready to save.",
    "coord.ledgerTitle": "Corrections and custody",
    "coord.ledgerIntro":
      "Reverse a transaction recorded by mistake, and confirm an exchange for someone without a device. Every signature is made in this browser, with your device’s key.",
    "coord.keyCapacity": "This device’s key: {key}… ({capacity}).",
    "coord.capacity.member": "member key",
    "coord.capacity.operator": "operator key",
    "coord.capacity.witness": "witness key",
    "coord.capacity.unknown": "unknown capacity",
    "coord.noKey": "This device has no registered key yet: create it from “My device”.",
    "coord.memberKey":
      "This device’s key is a member key: the ledger accepts a correction only when an operator key signs it, or the members whose accounts it debits. Ask the operator to register this device’s key as an operator key.",
    "coord.corrections": "Corrections",
    "coord.correctionsIntro":
      "A transaction is never edited: a correction records its exact inverse, with a reason.",
    "coord.findTitle": "Find a transaction",
    "coord.txId": "Transaction id",
    "coord.txIdHint": "For example 3f2c…-…, as a statement shows it.",
    "coord.find": "Find",
    "coord.notFound": "No transaction and no confirmed exchange has this id.",
    "coord.notRecorded":
      "This exchange is not in the ledger (it is {status}): there is nothing to correct.",
    "coord.recentExchanges": "Latest confirmed exchanges",
    "coord.correctThis": "Correct this exchange",
    "coord.exchangeLine": "{provider} gave {duration} to {receiver}",
    "coord.transaction": "{kind} {id}…",
    "coord.recordedAt": "Recorded on {date}",
    "coord.account": "Account",
    "coord.movement": "Movement",
    "coord.otherAccount": "account {id}…",
    "coord.original": "The transaction",
    "coord.correctionPreview": "The correction you sign",
    "coord.reason": "Reason for the correction",
    "coord.reasonHint": "Seen by the members concerned.",
    "coord.reverseSubmit": "Reverse this transaction and sign",
    "coord.reversed": "Correction recorded: transaction {id}… is reversed (log entry {index}).",
    "coord.correctionRecorded": "The correction recorded",
    "coord.alreadyReversed": "This transaction was already reversed.",
    "coord.needOperatorKey":
      "The ledger refuses this correction: an operator key must sign it (or the members whose accounts it debits). Nothing was recorded.",
    "coord.custodial": "Confirm for someone without a device",
    "coord.custodialIntro":
      "A pending exchange received by someone without a device may be confirmed by their custodian, with the custodian’s own key. The log marks the signature as made on that person’s behalf.",
    "coord.noCustodial": "No pending exchange for anyone without a device.",
    "coord.noDevice": "{name} has no device",
    "coord.confirmFor": "Confirm for {name} (custodial signature)",
    "coord.notCustodian":
      "You are not appointed {name}’s custodian: the operator appoints custodians. Nothing was recorded.",
    "coord.custodialTag": "Custodial signature",
    "coord.custodialDone": "Exchange of {duration} confirmed on {name}’s behalf.",
    "coord.custodialLogged":
      "The log records it as a custodial signature: your key {key}… signed on {name}’s behalf.",
    "coord.custodialMissing": "The log shows no signature made on this person’s behalf.",
    // The facilitator's and the coordination group's page (views/facilitator.js).
    "facil.nav": "Running rounds",
    "facil.title": "Running allocation rounds",
    "facil.intro":
      "From the projects put forward to the payment: the facilitator’s proposal, each group member’s stance, the objections and their reasons, then the vote and its tally.",
    "facil.none": "No allocation round yet.",
    "facil.pick": "Round shown",
    "facil.createTitle": "Open a new round",
    "facil.label": "Name",
    "facil.quarter": "Quarter of the pledged hours",
    "facil.quorum": "Quorum",
    "facil.proposalsClose": "Projects close",
    "facil.consentClose": "Consent closes",
    "facil.ballotClose": "Vote closes",
    "facil.create": "Open the round",
    "facil.created": "Round {label} opened.",
    "facil.rule": "Tally rule",
    "facil.voters": "Voters",
    "facil.budget": "Frozen resources",
    "facil.submissions": "Projects put forward",
    "facil.submissionsCaption": "What each project asks for, and the least that still makes sense",
    "facil.noSubmissions": "No project put forward yet.",
    "facil.project": "Project",
    "facil.group": "Group",
    "facil.asks": "Asks",
    "facil.minimum": "Minimum",
    "facil.submitTitle": "Put a project forward",
    "facil.askEur": "Euros asked",
    "facil.askHours": "Hours asked",
    "facil.minEur": "Minimum in euros (optional)",
    "facil.minHours": "Minimum in hours (optional)",
    "facil.submit": "Put this project forward",
    "facil.submitted": "{project} is put forward.",
    "facil.snapshotIntro":
      "Freezing the voter roll also freezes the fund’s available money and the pledged hours: the proposal is then made on those amounts.",
    "facil.snapshot": "Freeze the voter roll and the resources",
    "facil.snapshotDone": "Voter roll and resources frozen.",
    "facil.proposal": "Proposal",
    "facil.proposalVersion": "Proposal, version {version}",
    "facil.proposalLines": "Lines of the proposal",
    "facil.noProposal": "No proposal yet.",
    "facil.leftOut": "left out of the proposal",
    "facil.inProposal": "in the proposal",
    "facil.proposeTitle": "Draft the first proposal",
    "facil.amendTitle": "Propose an amended version ({left:# amendment|# amendments} possible)",
    "facil.proposeHint":
      "To share out: {eur} and {hours}. Leave 0 for a project the proposal does not fund.",
    "facil.eur": "Euros",
    "facil.hours": "Hours",
    "facil.propose": "Propose",
    "facil.amend": "Propose the amended version",
    "facil.proposed": "Proposal version {version} open for consent.",
    "facil.stances": "The group’s stances",
    "facil.stanceCount":
      "{count:# stance|# stances} from {voters:# voter|# voters} (quorum: {quorum}).",
    "facil.perProject": "Objections per project",
    "facil.noObjection": "No objection.",
    "facil.object.line": "{name} objects to this line:",
    "facil.object.omission": "{name} objects to it being left out:",
    "facil.reasonErased": "reason erased",
    "facil.stancesCaption": "Every stance on the current proposal",
    "facil.voter": "Member",
    "facil.stance": "Stance",
    "facil.about": "On",
    "facil.reason": "Reason",
    "facil.wholeProposal": "the whole proposal",
    "facil.target": "What the objection is about",
    "facil.target.line": "the line “{project}”",
    "facil.target.omission": "leaving out “{project}”",
    "facil.stanceName.consent": "I consent",
    "facil.stanceName.stand_aside": "I stand aside",
    "facil.stanceName.object": "I object",
    "facil.yourStance": "Your stance",
    "facil.reasonHint": "An objection says why the proposal would harm the common project.",
    "facil.objectionNeeds":
      "An objection names the line or the omission it is about and gives its reason.",
    "facil.giveStance": "Give my stance",
    "facil.stanceGiven": "Stance recorded: {stance}.",
    "facil.closeConsent": "Close the consent",
    "facil.consentClosed": "Consent closed.",
    "facil.consent.adopted":
      "Proposal adopted by consent ({participants:# participant|# participants}).",
    "facil.consent.ballot":
      "Objections stand ({participants:# participant|# participants}): what they are about goes to a vote.",
    "facil.consent.undecided":
      "Quorum not met ({participants:# participant|# participants}): no decision.",
    "facil.toBallot": "To the vote: {projects}, on what is left ({left}).",
    "facil.ballot": "Vote",
    "facil.votedSoFar": "Voted so far: {names}.",
    "facil.goVote": "Vote on the Allocation page",
    "facil.closeBallot": "Close the vote and tally",
    "facil.ballotClosed": "Vote closed and tallied.",
    "facil.transcript": "Tally: why each project is funded or not",
    "facil.euros": "The fund’s euros",
    "facil.hoursWord": "Pledged hours",
    "facil.budgetUsed": "{what}: {used} of {whole} go to projects.",
    "facil.budgetLeft": "left: {left}",
    "facil.chartKey":
      "For each project, the first bar shows the share of voters who approved it; the next two, the euros then the hours asked (outline) and received (filled), against the whole budget.",
    "facil.askedGot": "Asked: {asked}. Received: {got}.",
    "facil.why.mes":
      "Chosen at step {step} of the equal shares: {payers:# voter|# voters} paid for it from their share.",
    "facil.why.greedy": "Added afterwards with what was left, by number of approvals.",
    "facil.execution": "Payment",
    "facil.executionIntro":
      "Paying the decision moves the euros out of the fund and the hours out of the pledge pool, to the projects, all at once. The page checks that the transactions the service composed are exactly the decision shown before signing them.",
    "facil.needOperator":
      "The payment spends from the service’s accounts: it needs an operator’s key. Ask an operator to pay from this page.",
    "facil.noOperatorKey": "This device has no operator key.",
    "facil.createOperatorKey": "Create this device’s operator key",
    "facil.operatorKeyMade": "Operator key created and registered.",
    "facil.execute": "Check, sign and pay",
    "facil.executedNow": "Decision paid.",
    "facil.executed": "Decision paid: {count:# transaction|# transactions} in the log.",
    "facil.mismatch":
      "What the service asks you to sign does not match the decision shown: nothing was signed.",
    "facil.someone": "member {id}",
    // A partner's contributions and their use (views/partner.js).
    "partner.nav": "Fund contributions",
    "partner.title": "Fund contributions",
    "partner.intro":
      "What each partner brought to the co-responsibility fund, and where that money went: the projects the rounds funded, the repayments and what is still in the fund.",
    "partner.fund": "The fund on {date}",
    "partner.received": "Received",
    "partner.granted": "Granted to projects",
    "partner.repaid": "Repaid",
    "partner.balance": "Balance",
    "partner.owedAll": "Deposits still owed",
    "partner.available": "Available",
    "partner.none": "No partner to show.",
    "partner.pick": "Partner",
    "partner.kindName.city": "City",
    "partner.kindName.foundation": "Foundation",
    "partner.kindName.company": "Company",
    "partner.kindName.association": "Association",
    "partner.kindName.resident": "Resident",
    "partner.summary":
      "{count:# contribution|# contributions}, {total} in all, of which {granted} granted to projects.",
    "partner.noContribution": "No contribution yet.",
    "partner.uses": "Where each contribution goes",
    "partner.use.gift": "Gift",
    "partner.use.deposit": "Refundable deposit",
    "partner.contributionLine": "{kind} of {amount}, on {date}",
    "partner.useSentence":
      "{granted} granted to projects, {repaid} repaid, {inFund} still in the fund.",
    "partner.legend.granted": "granted to projects",
    "partner.legend.repaid": "repaid",
    "partner.legend.in-fund": "still in the fund",
    "partner.contributionsCaption": "Contributions, oldest first",
    "partner.date": "Date",
    "partner.kind": "Kind",
    "partner.amount": "Amount",
    "partner.inFund": "In the fund",
    "partner.owed": "Still owed",
    "partner.projects": "Projects funded",
    "partner.projectsCaption":
      "The share of your contributions each project received, and what it has already paid out of it",
    "partner.project": "Project",
    "partner.paidOut": "Already paid by the project",
    "partner.picture": "Share granted",
    "partner.noGrant": "No project has received money from your contributions yet.",
  },
};

for (const area of AREAS) {
  for (const lang of LANGUAGES) Object.assign(MESSAGES[lang], area[lang]);
}

export function language() {
  const chosen = localStorage.getItem(STORAGE_KEY);
  return LANGUAGES.includes(chosen) ? chosen : "fr";
}

export function setLanguage(lang) {
  if (!LANGUAGES.includes(lang)) throw new RangeError(`unknown language ${lang}`);
  localStorage.setItem(STORAGE_KEY, lang);
  document.documentElement.lang = lang;
}

export function has(key) {
  return key in MESSAGES[language()];
}

// The codes a new row may take from one of the territory's lists (categories,
// neighbourhoods), in the territory's order, served with the service's words: the retired
// ones are left out, except ``kept``, what the row being edited already holds.
function offeredCodes(list, all, kept) {
  const codes = WORDS.offered?.[list] ?? Object.keys(all ?? {});
  return kept && !codes.includes(kept) ? [...codes, kept] : codes;
}

export function categoryCodes(kept) {
  return offeredCodes("category", WORDS.categories, kept);
}

export function neighbourhoodCodes(kept) {
  return offeredCodes("neighbourhood", WORDS.neighbourhoods, kept);
}

// A label for a code the service may grow (a category or a neighbourhood, served with
// the service's words; a transaction kind): the code itself when no dictionary knows it.
const SERVED = { category: "categories", neighbourhood: "neighbourhoods" };

export function label(prefix, code) {
  const served = WORDS[SERVED[prefix]]?.[code]?.[language()];
  if (served) return served;
  const key = `${prefix}.${code}`;
  return has(key) ? t(key) : code;
}

// The number a parameter stands for, whether given as a number or already formatted
// ("1 234", "5+"), to choose a plural form.
function countOf(value) {
  if (typeof value === "number") return value;
  const digits = String(value ?? "").replace(/[^\d-]/g, "");
  return digits ? Number(digits) : 0;
}

// `{name}` is the parameter; `{name:one|other}` the language's plural form for it (by
// Intl.PluralRules: French says "0 objet", English "0 items"), `#` standing for it.
function fill(template, params, shown = (name) => String(params[name] ?? "")) {
  const rules = new Intl.PluralRules(language());
  return template.replace(/\{(\w+)(?::([^{}|]*)\|([^{}]*))?\}/g, (_, name, one, other) => {
    if (one === undefined) return shown(name);
    const form = rules.select(countOf(params[name])) === "one" ? one : other;
    return form.replace(/#/g, shown(name));
  });
}

export function t(key, params = {}) {
  const template = MESSAGES[language()][key] ?? MESSAGES.fr[key] ?? key;
  return fill(template, params);
}

// An amount as the service counts it in `unit`: minutes of time, cents, or items.
export function formatAmount(value, unit) {
  if (unit === "TIME" || unit === "PLEDGE") return formatDuration(value);
  if (unit === "EUR")
    return new Intl.NumberFormat(locale(), { style: "currency", currency: "EUR" }).format(
      value / 100,
    );
  return formatNumber(value);
}

// A refusal in the person's words: the service's text for its code (or the variant its
// facts name), the facts in their place, and the part of the request to check, named in
// words. Never the problem's `detail`, a technical note in English; a code the catalogue
// does not know says only that something failed.
export function problemText(problem) {
  const code = problem?.code ?? problem?.type;
  const facts = problem?.facts ?? {};
  const lang = language();
  const known = WORDS.problems[code];
  const template =
    WORDS.variants[`${code}/${facts.variant}`]?.[lang] ??
    known?.text?.[lang] ??
    known?.title?.[lang];
  if (!template) return t("error.generic");
  const shown = (name) =>
    typeof facts[name] === "number"
      ? formatAmount(facts[name], facts.unit)
      : String(facts[name] ?? "");
  const said = fill(template, facts, shown);
  const path = String(problem?.field ?? "")
    .split(/[.[\]]/)
    .filter(Boolean);
  const field = WORDS.fields[path.at(-1)]?.[lang];
  return field ? `${said} ${t("refusal.field", { field })}` : said;
}

// From how many minutes (of an exchange, a pledge, a balance limit either way) an amount
// is unusual enough that the page asks before sending it; the service states them.
export function usualMinutes(what) {
  return WORDS.usual_minutes?.[what] ?? Infinity;
}

function locale() {
  return language() === "fr" ? "fr-FR" : "en-GB";
}

export function formatNumber(value) {
  return new Intl.NumberFormat(locale()).format(value);
}

// "1 h 30" in French, "1 h 30 min" in English; a minus sign, not a hyphen, below zero,
// and no-break spaces so that a duration never wraps across two lines.
const NBSP = "\u00a0";

export function formatDuration(totalMinutes) {
  const sign = totalMinutes < 0 ? "−" : "";
  const minutes = Math.abs(totalMinutes);
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  const h = formatNumber(hours);
  if (hours === 0) return `${sign}${rest}${NBSP}min`;
  if (rest === 0) return `${sign}${h}${NBSP}h`;
  const mm = String(rest).padStart(2, "0");
  const fr = `${sign}${h}${NBSP}h${NBSP}${mm}`;
  return language() === "fr" ? fr : `${fr}${NBSP}min`;
}

export function formatSignedDuration(minutes) {
  return minutes > 0 ? `+${formatDuration(minutes)}` : formatDuration(minutes);
}

export function formatDate(iso) {
  return new Intl.DateTimeFormat(locale(), { dateStyle: "medium", timeStyle: "short" }).format(
    new Date(iso),
  );
}

export function formatDay(iso) {
  return new Intl.DateTimeFormat(locale(), { dateStyle: "long" }).format(new Date(iso));
}
