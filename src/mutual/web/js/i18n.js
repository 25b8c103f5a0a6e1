// Words and formats in the person's language: French unless they chose English. The
// choice is theirs, not the browser's, and stays on this device.

const STORAGE_KEY = "mutual.language";
export const LANGUAGES = ["fr", "en"];

const MESSAGES = {
  fr: {
    "app.name": "mutual",
    "app.tagline": "Banque du temps du territoire",
    "skip": "Aller au contenu",
    "nav.label": "Navigation principale",
    "nav.home": "Mon solde",
    "nav.record": "Enregistrer un échange",
    "nav.confirm": "À confirmer",
    "nav.offers": "Offres et demandes",
    "nav.key": "Mon appareil",
    "language.switch": "English",
    "language.switchLabel": "Switch to English",
    "signOut": "Se déconnecter",
    "loading": "Chargement…",
    "signIn.title": "Connexion",
    "signIn.intro": "Connectez-vous avec l’identifiant et le mot de passe choisis à votre adhésion.",
    "signIn.login": "Identifiant",
    "signIn.password": "Mot de passe",
    "signIn.submit": "Se connecter",
    "signIn.busy": "Connexion…",
    "home.title": "Mon solde",
    "home.hello": "Bonjour {name}",
    "home.balance": "Solde de temps",
    "home.limits": "Limites : de {min} à {max}",
    "home.pending": "{count} échange(s) attendent votre confirmation.",
    "home.pendingLink": "Les voir",
    "home.noKey": "Cet appareil n’a pas encore de clé : il en faut une pour confirmer un échange.",
    "home.noKeyLink": "Créer la clé de cet appareil",
    "statement.title": "Relevé",
    "statement.caption": "Derniers mouvements, du plus récent au plus ancien",
    "statement.date": "Date",
    "statement.kind": "Nature",
    "statement.amount": "Montant",
    "statement.balance": "Solde après",
    "statement.empty": "Aucun mouvement pour l’instant.",
    "kind.exchange": "Échange",
    "kind.commons_gift": "Don au commun",
    "kind.correction": "Correction",
    "kind.pledge": "Promesse d’heures",
    "kind.other": "Autre",
    "record.title": "Enregistrer un échange",
    "record.intro": "Vous avez rendu un service : indiquez à qui et combien de temps. La personne le confirmera en le signant depuis son appareil ; rien ne bouge avant.",
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
    "confirm.intro": "Ces personnes disent vous avoir rendu un service. Confirmer signe l’échange avec la clé de cet appareil et déplace le temps.",
    "confirm.none": "Rien à confirmer.",
    "confirm.from": "{name} vous a rendu {duration}",
    "confirm.expires": "Expire le {date}",
    "confirm.sign": "Confirmer et signer",
    "confirm.reject": "Refuser",
    "confirm.reason": "Motif du refus",
    "confirm.rejectSubmit": "Envoyer le refus",
    "confirm.confirmed": "Échange confirmé : votre solde est maintenant de {balance}.",
    "confirm.rejected": "Échange refusé.",
    "confirm.mismatch": "Ce que le service demande de signer ne correspond pas à l’échange affiché : rien n’a été signé.",
    "confirm.needKey": "Créez d’abord la clé de cet appareil.",
    "sent.title": "Mes échanges en attente",
    "sent.to": "{duration} rendues à {name}",
    "status.pending": "en attente",
    "status.confirmed": "confirmé",
    "status.rejected": "refusé",
    "status.expired": "expiré",
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
    "key.intro": "Votre clé de signature est créée dans ce navigateur et n’en sort jamais. Elle signe les échanges que vous confirmez.",
    "key.none": "Cet appareil n’a pas de clé.",
    "key.create": "Créer et enregistrer la clé de cet appareil",
    "key.here": "Clé de cet appareil :",
    "key.registered": "enregistrée",
    "key.unregistered": "pas encore enregistrée",
    "key.register": "Terminer l’enregistrement",
    "key.created": "Clé créée et enregistrée.",
    "key.unsupported": "Ce navigateur ne sait pas créer de clé Ed25519. Demandez à une personne de la coordination de signer pour vous.",
    "key.listTitle": "Mes clés enregistrées",
    "key.listNone": "Aucune clé enregistrée.",
    "key.active": "active",
    "key.revoked": "révoquée",
    "key.thisDevice": "cet appareil",
    "key.otherDevice": "autre appareil",
    "key.lost": "Appareil perdu ? Révoquer cette clé",
    "key.revokeConfirm": "Révoquer cette clé ? Elle ne pourra plus rien signer.",
    "key.revokedDone": "Clé révoquée.",
    "key.replace": "Remplacer la clé de cet appareil",
    "error.generic": "Une erreur est survenue.",
    "error.network": "Le service ne répond pas. Vérifiez votre connexion.",
    "problem.sign_in_failed": "Identifiant ou mot de passe incorrect.",
    "problem.too_many_requests": "Trop d’essais : réessayez plus tard.",
    "problem.csrf_token_invalid": "Votre session a expiré : reconnectez-vous.",
    "problem.unauthenticated": "Votre session a expiré : reconnectez-vous.",
    "problem.exceeds_balance_min": "Ce mouvement dépasserait la limite basse de votre solde.",
    "problem.exceeds_balance_max": "Ce mouvement dépasserait la limite haute d’un solde.",
    "category.childhood": "Enfance",
    "category.youth": "Jeunesse",
    "category.work": "Travail",
    "category.citizenship": "Citoyenneté",
    "category.family": "Famille",
    "category.lifelong_learning": "Apprendre tout au long de la vie",
    "category.elderly": "Personnes âgées",
    "category.culture_sport": "Culture et sport",
    "category.health": "Santé",
    "category.social_reintegration": "Réinsertion sociale",
    "category.energy": "Énergie",
    "category.land_buildings": "Terrains et bâtiments",
    "category.time": "Temps",
    "category.money": "Argent",
    "category.information": "Information",
    "offers.tag.offer": "Offre",
    "offers.tag.request": "Demande",
  },
  en: {
    "app.name": "mutual",
    "app.tagline": "The territory’s time bank",
    "skip": "Skip to content",
    "nav.label": "Main navigation",
    "nav.home": "My balance",
    "nav.record": "Record an exchange",
    "nav.confirm": "To confirm",
    "nav.offers": "Offers and requests",
    "nav.key": "My device",
    "language.switch": "Français",
    "language.switchLabel": "Passer en français",
    "signOut": "Sign out",
    "loading": "Loading…",
    "signIn.title": "Sign in",
    "signIn.intro": "Sign in with the login and password you chose when you joined.",
    "signIn.login": "Login",
    "signIn.password": "Password",
    "signIn.submit": "Sign in",
    "signIn.busy": "Signing in…",
    "home.title": "My balance",
    "home.hello": "Hello {name}",
    "home.balance": "Time balance",
    "home.limits": "Limits: from {min} to {max}",
    "home.pending": "{count} exchange(s) are waiting for your confirmation.",
    "home.pendingLink": "See them",
    "home.noKey": "This device has no key yet: you need one to confirm an exchange.",
    "home.noKeyLink": "Create this device’s key",
    "statement.title": "Statement",
    "statement.caption": "Latest entries, newest first",
    "statement.date": "Date",
    "statement.kind": "Kind",
    "statement.amount": "Amount",
    "statement.balance": "Balance after",
    "statement.empty": "No entries yet.",
    "kind.exchange": "Exchange",
    "kind.commons_gift": "Gift to the commons",
    "kind.correction": "Correction",
    "kind.pledge": "Pledged hours",
    "kind.other": "Other",
    "record.title": "Record an exchange",
    "record.intro": "You provided a service: say to whom and for how long. They confirm it by signing from their device; nothing moves before that.",
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
    "confirm.intro": "These people say they provided you a service. Confirming signs the exchange with this device’s key and moves the time.",
    "confirm.none": "Nothing to confirm.",
    "confirm.from": "{name} provided you {duration}",
    "confirm.expires": "Expires on {date}",
    "confirm.sign": "Confirm and sign",
    "confirm.reject": "Reject",
    "confirm.reason": "Why you reject it",
    "confirm.rejectSubmit": "Send the rejection",
    "confirm.confirmed": "Exchange confirmed: your balance is now {balance}.",
    "confirm.rejected": "Exchange rejected.",
    "confirm.mismatch": "What the service asks you to sign does not match the exchange shown: nothing was signed.",
    "confirm.needKey": "Create this device’s key first.",
    "sent.title": "My exchanges awaiting confirmation",
    "sent.to": "{duration} provided to {name}",
    "status.pending": "pending",
    "status.confirmed": "confirmed",
    "status.rejected": "rejected",
    "status.expired": "expired",
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
    "key.intro": "Your signing key is made in this browser and never leaves it. It signs the exchanges you confirm.",
    "key.none": "This device has no key.",
    "key.create": "Create and register this device’s key",
    "key.here": "This device’s key:",
    "key.registered": "registered",
    "key.unregistered": "not registered yet",
    "key.register": "Finish registering",
    "key.created": "Key created and registered.",
    "key.unsupported": "This browser cannot make an Ed25519 key. Ask a coordinator to sign on your behalf.",
    "key.listTitle": "My registered keys",
    "key.listNone": "No key registered.",
    "key.active": "active",
    "key.revoked": "revoked",
    "key.thisDevice": "this device",
    "key.otherDevice": "another device",
    "key.lost": "Device lost? Revoke this key",
    "key.revokeConfirm": "Revoke this key? It will no longer sign anything.",
    "key.revokedDone": "Key revoked.",
    "key.replace": "Replace this device’s key",
    "error.generic": "Something went wrong.",
    "error.network": "The service does not answer. Check your connection.",
    "problem.sign_in_failed": "Wrong login or password.",
    "problem.too_many_requests": "Too many attempts: try again later.",
    "problem.csrf_token_invalid": "Your session has expired: sign in again.",
    "problem.unauthenticated": "Your session has expired: sign in again.",
    "problem.exceeds_balance_min": "This would take your balance below its lower limit.",
    "problem.exceeds_balance_max": "This would take a balance above its upper limit.",
    "category.childhood": "Childhood",
    "category.youth": "Youth",
    "category.work": "Work",
    "category.citizenship": "Citizenship",
    "category.family": "Family",
    "category.lifelong_learning": "Lifelong learning",
    "category.elderly": "Elderly people",
    "category.culture_sport": "Culture and sport",
    "category.health": "Health",
    "category.social_reintegration": "Social reintegration",
    "category.energy": "Energy",
    "category.land_buildings": "Land and buildings",
    "category.time": "Time",
    "category.money": "Money",
    "category.information": "Information",
    "offers.tag.offer": "Offer",
    "offers.tag.request": "Request",
  },
};

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

// A label for a code the service may grow (a category, a transaction kind): the code
// itself when the dictionary does not know it yet.
export function label(prefix, code) {
  const key = `${prefix}.${code}`;
  return has(key) ? t(key) : code;
}

export function t(key, params = {}) {
  const template = MESSAGES[language()][key] ?? MESSAGES.fr[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (_, name) => String(params[name] ?? ""));
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
