// Changing one's password (views/password.js).
export default {
  fr: {
    "password.title": "Changer mon mot de passe",
    "password.link": "Changer mon mot de passe",
    "password.current": "Mot de passe actuel",
    "password.new": "Nouveau mot de passe",
    "password.submit": "Changer le mot de passe",
    "password.done":
      "Mot de passe changé. Vos autres appareils devront se reconnecter avec le nouveau.",
  },
  en: {
    "password.title": "Change my password",
    "password.link": "Change my password",
    "password.current": "Current password",
    "password.new": "New password",
    "password.submit": "Change the password",
    "password.done": "Password changed. Your other devices will have to sign in again with it.",
  },
};
