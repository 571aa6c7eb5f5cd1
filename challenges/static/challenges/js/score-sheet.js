// The juror's score sheet: autosave of the draft, abstain boxes, number keys in score
// groups, a confirmation before submitting. The page works without it: the form posts
// to the same views, and the Save draft button keeps the draft.
(() => {
    "use strict";
    const form = document.getElementById("score-sheet");
    if (!form) return;
    const status = document.getElementById("autosave-status");
    const progress = document.getElementById("sheet-progress");
    const DELAY_MS = 1000;
    let timer = null;
    let saving = false;
    let again = false;

    // Errors next to their fields, as the server sends them: {field name: [messages]}.
    const showErrors = (errors) => {
        form.querySelectorAll("[data-errors-for]").forEach((box) => {
            const messages = errors[box.dataset.errorsFor] || [];
            box.replaceChildren();
            if (messages.length) {
                const list = document.createElement("ul");
                list.className = "errorlist";
                messages.forEach((text) => {
                    const item = document.createElement("li");
                    item.textContent = text;
                    list.append(item);
                });
                box.append(list);
            }
            const name = box.dataset.errorsFor;
            if (name === "__all__") return;
            form.querySelectorAll(`[name="${name}"]`).forEach((input) => {
                if (messages.length) input.setAttribute("aria-invalid", "true");
                else input.removeAttribute("aria-invalid");
            });
            const group = box.closest("fieldset.criterion");
            if (group) {
                const invalid = group.querySelector("[data-errors-for] li");
                group.classList.toggle("field-invalid", Boolean(invalid));
            }
        });
    };

    const save = async () => {
        if (saving) {
            again = true;
            return;
        }
        saving = true;
        status.textContent = form.dataset.saving;
        try {
            const response = await fetch(form.dataset.autosave, {
                method: "POST",
                body: new FormData(form),
                headers: {
                    Accept: "application/json",
                    "X-CSRFToken": form.elements.csrfmiddlewaretoken.value,
                },
                credentials: "same-origin",
            });
            const type = response.headers.get("Content-Type") || "";
            if (!type.includes("application/json")) throw new Error("not JSON");
            const data = await response.json();
            status.textContent = data.message || data.detail || form.dataset.failed;
            showErrors(data.errors || {});
            if (response.ok && progress && data.progress) progress.textContent = data.progress;
        } catch (error) {
            status.textContent = form.dataset.failed;
        } finally {
            saving = false;
            if (again) {
                again = false;
                save();
            }
        }
    };

    const changed = () => {
        window.clearTimeout(timer);
        timer = window.setTimeout(save, DELAY_MS);
    };
    form.addEventListener("input", changed);
    form.addEventListener("change", changed);

    // A button press posts the whole form itself: no autosave after it.
    form.addEventListener("submit", (event) => {
        window.clearTimeout(timer);
        const button = event.submitter;
        if (button && button.dataset.confirm && !window.confirm(button.dataset.confirm)) {
            event.preventDefault();
        }
    });

    // Abstaining: the score is cleared and set aside, the reason asked for.
    form.querySelectorAll("[data-reason-for]").forEach((reasonBox) => {
        const box = document.getElementById(reasonBox.dataset.reasonFor);
        const group = box && box.closest("fieldset.criterion");
        if (!group) return;
        const scores = group.querySelectorAll('.score-choices input, input[type="number"]');
        const reason = reasonBox.querySelector("input, textarea");
        const update = (fromUser) => {
            const abstaining = box.checked;
            reasonBox.hidden = !abstaining && !reason.value && !reasonBox.querySelector("li");
            scores.forEach((input) => {
                if (abstaining && fromUser) {
                    if (input.type === "radio") input.checked = false;
                    else input.value = "";
                }
            });
            if (abstaining && fromUser) reason.focus();
        };
        box.addEventListener("change", () => update(true));
        // Giving a score again withdraws the abstention.
        scores.forEach((input) => {
            input.addEventListener("input", () => {
                if (!box.checked || (input.type !== "radio" && !input.value)) return;
                box.checked = false;
                update(false);
            });
        });
        update(false);
    });

    // In a group of score buttons, typing a digit picks that score (0 to 9).
    form.querySelectorAll(".score-choices").forEach((choices) => {
        choices.addEventListener("keydown", (event) => {
            if (!/^[0-9]$/.test(event.key) || event.altKey || event.ctrlKey || event.metaKey) return;
            const radio = choices.querySelector(`input[value="${event.key}"]`);
            if (!radio) return;
            event.preventDefault();
            radio.checked = true;
            radio.focus();
            radio.dispatchEvent(new Event("change", { bubbles: true }));
        });
    });
})();
