// A round's words beyond the facilitator's page's own (views/facilitator.js): the tally
// rules, named as people say them (core/tally.py's codes).
export default {
  fr: {
    "rounds.rule.mes-add1-greedy": "parts égales, puis complété",
    "rounds.rule.mes-add1": "parts égales, parts relevées pas à pas",
    "rounds.rule.mes": "parts égales",
    "rounds.rule.greedy": "les plus approuvés d’abord",
    "rounds.forLead": "Proposé au nom de son porteur : {name}.",
  },
  en: {
    "rounds.rule.mes-add1-greedy": "equal shares, then completed",
    "rounds.rule.mes-add1": "equal shares, raised step by step",
    "rounds.rule.mes": "equal shares",
    "rounds.rule.greedy": "most approved first",
    "rounds.forLead": "Put forward for its lead: {name}.",
  },
};
