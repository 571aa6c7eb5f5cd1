// The tax code is required for enterprises and startups: let the browser say so as soon
// as the kind is chosen (the server checks it anyway).
document.querySelectorAll("select[data-kinds-requiring-tax-code]").forEach((kind) => {
    const taxCode = kind.form && kind.form.elements.namedItem("tax_code");
    if (!taxCode) return;
    const kinds = kind.dataset.kindsRequiringTaxCode.split(" ");
    const update = () => { taxCode.required = kinds.includes(kind.value); };
    kind.addEventListener("change", update);
    update();
});

// Ask before a form that cannot be undone (deleting a draft) is sent.
document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
        if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
});

document.querySelectorAll("[data-print]").forEach((button) => {
    button.addEventListener("click", () => window.print());
});
