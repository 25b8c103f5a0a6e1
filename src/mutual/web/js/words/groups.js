// The coordination groups' page (views/groups.js): who sits in which group, and who
// represents it in the city group, as the log records it.
export default {
  fr: {
    "groups.nav": "Groupes de coordination",
    "groups.title": "Groupes de coordination",
    "groups.intro":
      "Chaque groupe — tranche de vie, ressource, quartier, ville — et chacun de ses changements sont inscrits au journal, signés, datés.",
    "groups.none": "Aucun groupe pour l’instant.",
    "groups.kind.life_slice": "Tranche de vie",
    "groups.kind.resource": "Ressource",
    "groups.kind.neighbourhood": "Quartier",
    "groups.kind.city": "Groupe de la ville",
    "groups.members": "{count:# membre|# membres}",
    "groups.representatives": "{count:# représentant en mandat|# représentants en mandat}",
    "groups.youMember": "Vous en êtes membre.",
    "groups.youFacilitate": "Vous l’animez.",
    "groups.youRepresent": "Vous le représentez au groupe de la ville depuis le {since}.",
  },
  en: {
    "groups.nav": "Coordination groups",
    "groups.title": "Coordination groups",
    "groups.intro":
      "Each group — life slice, resource, neighbourhood, city — and each change to it is recorded in the log, signed and dated.",
    "groups.none": "No group yet.",
    "groups.kind.life_slice": "Life slice",
    "groups.kind.resource": "Resource",
    "groups.kind.neighbourhood": "Neighbourhood",
    "groups.kind.city": "City group",
    "groups.members": "{count:# member|# members}",
    "groups.representatives": "{count:# representative in office|# representatives in office}",
    "groups.youMember": "You are a member.",
    "groups.youFacilitate": "You facilitate it.",
    "groups.youRepresent": "You have represented it in the city group since {since}.",
  },
};
