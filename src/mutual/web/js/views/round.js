import { ApiError, get, getAll, post } from "../api.js";
import { DOMAIN } from "../canonical.js";
import { announce, busy, h, notice } from "../dom.js";
import { formatDate, formatDuration, formatNumber, t } from "../i18n.js";
import { deviceKey, sign } from "../keys.js";
import { recountRound } from "../recount.js";
import { amounts, euros, projectNames, resultList } from "../tally_chart.js";

const DECIDED = new Set(["decided", "executed"]);

// The page signs only the ballot it shows: this round, this voter, this ballot id, on the
// manifest the round froze, following the round's current step. The choice itself is
// only a salted hash the service keeps the salt of, so the page checks its form.
export function ballotMatches(payload, round, ballotId, voterId, origin) {
  const body = payload?.body ?? {};
  return (
    payload.log === origin &&
    payload.kind === "ballot" &&
    payload.id === ballotId &&
    payload.round === round.id &&
    payload.by === voterId &&
    payload.after === round.head &&
    payload.acts === null &&
    Object.keys(body).length === 2 &&
    body.manifest_sha256 === round.manifest?.sha256 &&
    /^[0-9a-f]{64}$/.test(body.choice_sha256 ?? "")
  );
}

async function castBallot(round, approvals, key, voterId, origin) {
  const ballot = { id: crypto.randomUUID(), approvals };
  let payload;
  try {
    await post(`/rounds/${round.id}/ballots`, ballot);
    throw new Error("a ballot was accepted unsigned");
  } catch (error) {
    if (!(error instanceof ApiError) || error.code !== "unsigned") throw error;
    payload = error.problem.signing_payload;
  }
  if (!ballotMatches(payload, round, ballot.id, voterId, origin)) return null;
  const signature = await sign(key.private_key, DOMAIN.ballot, payload);
  return post(`/rounds/${round.id}/ballots`, {
    ...ballot,
    signatures: [{ key_id: key.key_id, signature }],
  });
}

function ballotForm(round, names, ctx, key, origin, rerender) {
  const asks = new Map(round.submissions.map((s) => [s.project_id, s]));
  const messages = h("div");
  const boxes = round.consent.ballot_projects.map((id) => {
    const ask = asks.get(id);
    const box = h("input", { type: "checkbox", name: "approvals", value: id, id: `approve-${id}` });
    return h(
      "div",
      { class: "choice" },
      box,
      h(
        "label",
        { for: box.id },
        names.get(id) ?? id.slice(0, 8),
        h(
          "span",
          { class: "muted" },
          ` · ${t("round.asks", { amount: amounts(ask?.ask_eur ?? 0, ask?.ask_hours ?? 0) })}`,
        ),
      ),
    );
  });
  const limits = [];
  if (round.approvals_min) limits.push(t("round.atLeast", { count: round.approvals_min }));
  if (round.approvals_max) limits.push(t("round.atMost", { count: round.approvals_max }));
  const submit = h("button", { type: "submit" }, t("round.vote"));
  const form = h(
    "form",
    {},
    h(
      "fieldset",
      {},
      h("legend", {}, t("round.ballotLegend")),
      limits.length ? h("p", { class: "muted" }, limits.join(" ")) : null,
      boxes,
    ),
    messages,
    h("div", { class: "actions" }, submit),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(submit, async () => {
      messages.replaceChildren();
      if (!key?.registered) {
        messages.append(
          notice(t("confirm.needKey"), "error"),
          h("a", { href: "#/key" }, t("nav.key")),
        );
        return;
      }
      const approvals = [...form.querySelectorAll("input[name=approvals]:checked")].map(
        (box) => box.value,
      );
      try {
        const receipt = await castBallot(round, approvals, key, ctx.me.principal_id, origin);
        if (receipt === null) {
          messages.append(notice(t("round.mismatch"), "error"));
          return;
        }
        const text = t("round.cast", { index: formatNumber(receipt.log_index) });
        announce(text);
        await rerender(text);
      } catch (error) {
        messages.replaceChildren(
          notice(error instanceof ApiError ? error.describe() : t("error.generic"), "error"),
        );
      }
    });
  });
  return form;
}

// The round's tally recounted here from the published ballots (recount.js, written from
// contracts/tally.md), compared with the hashes and the decision the service published.
// It runs after the result is shown: a large round takes a moment.
function recountNotice(round) {
  const status = h("p", { class: "notice", role: "status", "data-testid": "recount" });
  status.textContent = t("round.recounting");
  const detail = h("p", { class: "muted" });
  recountRound(round).then(
    (found) => {
      if (found.same) {
        status.textContent = t("round.recountSame");
      } else {
        const what = found.differences.map((d) => t(`round.recountDiff.${d}`)).join(", ");
        status.textContent = t("round.recountDiffers", { what });
        status.classList.add("error");
      }
      detail.textContent = t("round.recountHash", { hash: found.tally_sha256 });
    },
    (error) => {
      status.textContent = t("round.recountFailed", { error: error.message });
      status.classList.add("error");
    },
  );
  return [status, detail];
}

async function resultSection(round, names) {
  const section = h(
    "section",
    { "aria-labelledby": `result-${round.id}` },
    h("h2", { id: `result-${round.id}` }, t("round.resultTitle")),
  );
  const consent = round.consent;
  if (consent?.result === "undecided") {
    section.append(h("p", {}, t("round.undecided")));
    return section;
  }
  if (consent?.result === "adopted") {
    section.append(h("p", {}, t("round.adopted")));
    section.append(
      h(
        "ul",
        { class: "list" },
        round.decision.map((line) =>
          h(
            "li",
            { class: "card" },
            `${names.get(line.project_id) ?? line.project_id.slice(0, 8)} : ${amounts(line.eur, line.hours)}`,
          ),
        ),
      ),
    );
    return section;
  }
  const result = await get(`/rounds/${round.id}/result`);
  const transcript = result.transcript;
  const total = round.decision.reduce(
    (sum, line) => ({ eur: sum.eur + line.eur, hours: sum.hours + line.hours }),
    { eur: 0, hours: 0 },
  );
  section.append(
    h(
      "p",
      {},
      t("round.decidedByBallot", {
        ballots: round.reveals.length,
        voters: round.manifest.voters.length,
      }),
    ),
    h(
      "p",
      { class: "notice", "data-testid": "round-total" },
      t("round.total", {
        eur: euros(total.eur),
        hours: formatDuration(total.hours),
        budgetEur: euros(round.manifest.budget_eur),
        budgetHours: formatDuration(round.manifest.budget_hours),
      }),
    ),
    ...recountNotice(round),
    resultList(round, names, transcript),
  );
  return section;
}

export async function render(main, ctx, done = null) {
  const [rounds, names, key, log] = await Promise.all([
    getAll("/rounds"),
    projectNames(),
    deviceKey(ctx.me.principal_id),
    get("/log"),
  ]);
  const rerender = async (text) => {
    main.replaceChildren();
    await render(main, ctx, text);
    main.querySelector("h1").focus();
  };
  main.append(h("h1", { tabindex: "-1" }, t("round.title")), h("p", {}, t("round.intro")));
  if (done) main.append(notice(done));
  // A round open for ballots first, else the newest.
  const round = rounds.find((r) => r.phase === "ballot") ?? rounds[0];
  if (!round) {
    main.append(h("p", { class: "muted" }, t("round.none")));
    return;
  }
  main.append(
    h("h2", {}, t("round.label", { label: round.label, quarter: round.quarter })),
    h("p", {}, h("span", { class: "tag" }, t(`round.phase.${round.phase}`))),
  );
  if (round.phase === "ballot") {
    const voted = round.voted.includes(ctx.me.principal_id);
    const parts = [
      h("p", {}, t("round.ballotOpen", { date: formatDate(round.ballot_close) })),
      round.consent.kept.length
        ? h(
            "p",
            {},
            t("round.alreadyKept", {
              projects: round.consent.kept
                .map(
                  (line) =>
                    `${names.get(line.project_id) ?? ""} (${amounts(line.eur, line.hours)})`,
                )
                .join(", "),
            }),
          )
        : null,
      h(
        "p",
        { class: "muted" },
        t("round.ballotsCast", { count: round.ballots_cast, voters: round.manifest.voters.length }),
      ),
      voted ? notice(t("round.voted")) : null,
      round.manifest.voters.includes(ctx.me.principal_id)
        ? ballotForm(round, names, ctx, key, log.origin, rerender)
        : h("p", {}, t("round.notOnRoll")),
    ];
    // Element.append writes null as text: only what is there goes in.
    main.append(...parts.filter(Boolean));
  } else if (DECIDED.has(round.phase)) {
    main.append(await resultSection(round, names));
  } else {
    main.append(h("p", {}, t("round.notYet")));
  }
  // While a round is under way, the last decided one stays readable, and recountable.
  const earlier = DECIDED.has(round.phase) ? null : rounds.find((r) => DECIDED.has(r.phase));
  if (earlier) {
    main.append(
      h("h2", {}, t("round.earlier", { label: earlier.label, quarter: earlier.quarter })),
      h("p", {}, h("span", { class: "tag" }, t(`round.phase.${earlier.phase}`))),
      await resultSection(earlier, names),
    );
  }
}
