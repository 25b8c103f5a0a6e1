import { ApiError, get, query } from "../api.js";
import { announce, busy, h, notice } from "../dom.js";
import { formatDay, t } from "../i18n.js";
import {
  cancelRecovery,
  completeRecovery,
  createDeviceKey,
  deviceKey,
  keepKey,
  prepareRecoveryKey,
  registerDeviceKey,
  revokeKey,
  rotateDeviceKey,
  supported,
} from "../keys.js";

// A key in words, not by its id: this device's (with the day it was made, when this page
// noted it) or another device's (with where the log registered it).
function keyWords(key, here) {
  if (here?.key_id === key.key_id) {
    return here.created_at
      ? t("key.madeOn", { date: formatDay(here.created_at) })
      : t("key.thisKey");
  }
  return `${t("key.otherKey")}, ${t("key.registeredAt", { index: key.registered_at })}`;
}

// The day the key was made is kept beside it, for the words above.
async function createDatedKey(principalId) {
  const made = await createDeviceKey(principalId);
  return keepKey({ ...made, created_at: new Date().toISOString() });
}

export async function render(main, ctx) {
  const principalId = ctx.me.principal_id;
  const [here, registry, recoveries, canSign] = await Promise.all([
    deviceKey(principalId),
    get(`/keys${query({ principal_id: principalId })}`),
    get(`/key-recoveries${query({ principal_id: principalId })}`),
    supported(),
  ]);
  const keys = registry.items.filter((k) => k.capacity === "member");
  const pending = recoveries.items.find((r) => r.status === "pending") ?? null;
  const messages = h("div");
  const rerender = async (text) => {
    main.replaceChildren();
    await render(main, ctx);
    if (text) {
      main.querySelector("h1").after(notice(text));
      announce(text);
    }
  };
  const fail = (error) =>
    messages.replaceChildren(
      notice(error instanceof ApiError ? error.describe() : t("error.generic"), "error"),
    );
  const act = (button, work, done) =>
    busy(button, async () => {
      try {
        await work();
      } catch (error) {
        return fail(error);
      }
      return rerender(done);
    });

  main.append(h("h1", {}, t("key.title")), h("p", {}, t("key.intro")), messages);
  const device = h(
    "section",
    { class: "card", "aria-labelledby": "device-title" },
    h("h2", { id: "device-title" }, t("nav.key")),
  );
  if (!canSign) {
    device.append(notice(t("key.unsupported"), "warning"));
  } else if (!here && !keys.some((k) => k.revoked_at === null)) {
    // No valid key anywhere (never had one, or revoked their own): a first key again.
    const create = h("button", { type: "button" }, t("key.create"));
    create.addEventListener("click", () =>
      act(create, () => createDatedKey(principalId), t("key.created")),
    );
    device.append(h("p", {}, t("key.none")), h("div", { class: "actions" }, create));
  } else if (!here) {
    // A valid key on another device: a new one comes from it, or by recovery.
    const prepare = h("button", { type: "button" }, t("key.recoveryPrepare"));
    prepare.addEventListener("click", () =>
      act(prepare, () => prepareRecoveryKey(principalId), t("key.recoveryPrepared")),
    );
    device.append(
      h("p", {}, t("key.none")),
      h("p", {}, t("key.recoveryIntro")),
      h("div", { class: "actions" }, prepare),
    );
  } else if (here.recovery && !here.registered) {
    device.append(recoverySection(here));
  } else {
    device.append(
      h(
        "p",
        {},
        h(
          "span",
          { "data-testid": "device-key", "data-key-id": here.key_id },
          keyWords(here, here),
        ),
        " ",
        h("span", { class: "tag" }, here.registered ? t("key.registered") : t("key.unregistered")),
      ),
    );
    if (!here.registered) {
      const finish = h("button", { type: "button" }, t("key.register"));
      finish.addEventListener("click", () =>
        act(finish, () => registerDeviceKey(here), t("key.created")),
      );
      device.append(h("div", { class: "actions" }, finish));
    } else if (pending && pending.key_id !== here.key_id) {
      // Someone asked for a new key in this member's name: a valid key of theirs says no.
      const cancel = h("button", { type: "button", class: "danger" }, t("key.recoveryCancel"));
      cancel.addEventListener("click", () =>
        act(cancel, () => cancelRecovery(here, pending), t("key.recoveryCancelled")),
      );
      device.append(
        notice(t("key.recoveryAgainst", { due: pending.due }), "warning"),
        h("div", { class: "actions" }, cancel),
      );
    }
  }

  function recoverySection(record) {
    const section = h("div", {});
    section.append(
      h("p", {}, t("key.recoveryGive")),
      h("p", {}, h("code", { class: "key-id", "data-testid": "recovery-key" }, record.public_key)),
    );
    const mine = recoveries.items.find((r) => r.status === "pending" && r.key_id === record.key_id);
    if (!mine) return section;
    if (Date.parse(mine.due) > Date.now()) {
      section.append(h("p", {}, t("key.recoveryWaiting", { due: mine.due })));
      return section;
    }
    const finish = h("button", { type: "button" }, t("key.recoveryComplete"));
    finish.addEventListener("click", () =>
      act(finish, () => completeRecovery(record, mine), t("key.recovered")),
    );
    section.append(h("div", { class: "actions" }, finish));
    return section;
  }
  main.append(device);

  const list = h(
    "section",
    { "aria-labelledby": "keys-title" },
    h("h2", { id: "keys-title" }, t("key.listTitle")),
  );
  if (keys.length === 0) list.append(h("p", { class: "muted" }, t("key.listNone")));
  else {
    list.append(
      h(
        "ul",
        { class: "list" },
        keys.map((k) => {
          const active = k.revoked_at === null;
          const mine = here?.key_id === k.key_id;
          const item = h(
            "li",
            { class: "card", "data-key": k.key_id },
            keyWords(k, here),
            " ",
            h("span", { class: "tag" }, active ? t("key.active") : t("key.revoked")),
          );
          // Another device's key is revoked with a key this device holds (the service cannot).
          if (active && (mine || here?.registered)) {
            const revoke = h(
              "button",
              { type: "button", class: "danger" },
              mine ? t("key.replace") : t("key.lost"),
            );
            revoke.addEventListener("click", () => {
              if (!window.confirm(t("key.revokeConfirm"))) return;
              // This device's own key is replaced (a rotation); another is revoked with it.
              if (mine) act(revoke, () => rotateDeviceKey(principalId), t("key.replaced"));
              else act(revoke, () => revokeKey(principalId, k.key_id), t("key.revokedDone"));
            });
            item.append(h("div", { class: "actions" }, revoke));
          }
          return item;
        }),
      ),
    );
  }
  main.append(list);
  main.append(
    h(
      "section",
      { "aria-labelledby": "access-title" },
      h("h2", { id: "access-title" }, t("password.title")),
      h("p", {}, h("a", { href: "#/password" }, t("password.link"))),
    ),
  );
}
