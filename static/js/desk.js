// Fast entry, progressively: suggest known contacts while typing and fill in their details.
// Without this script the typed organisation, name and e-mail find or create the customer.
(function () {
  "use strict";
  const form = document.getElementById("fast-entry");
  if (!form || !window.fetch) return;
  const url = form.dataset.searchUrl;
  const options = document.getElementById("contact-options");
  const field = (name) => form.elements.namedItem(name);
  const found = new Map();
  let timer = null;

  function suggest(query) {
    fetch(url + "?q=" + encodeURIComponent(query), { headers: { Accept: "application/json" } })
      .then((response) => (response.ok ? response.json() : { results: [] }))
      .then((data) => {
        found.clear();
        options.replaceChildren();
        for (const contact of data.results) {
          found.set(contact.name, contact);
          const option = document.createElement("option");
          option.value = contact.name;
          option.label = contact.organisation + " · " + (contact.email || contact.phone || "");
          options.append(option);
        }
      })
      .catch(() => {});
  }

  function choose() {
    const contact = found.get(field("name").value);
    if (!contact) {
      field("contact").value = "";
      return;
    }
    field("contact").value = contact.id;
    field("organisation").value = contact.organisation;
    field("email").value = contact.email;
    field("phone").value = contact.phone;
  }

  field("name").addEventListener("input", (event) => {
    clearTimeout(timer);
    const query = event.target.value.trim();
    if (found.has(query)) {
      choose();
      return;
    }
    field("contact").value = "";
    if (query.length >= 2) timer = setTimeout(() => suggest(query), 200);
  });
  field("name").addEventListener("change", choose);
  // A call is always on the phone channel; a request defaults to what was chosen.
  for (const radio of form.querySelectorAll('input[name="entry_type"]')) {
    radio.addEventListener("change", () => {
      if (radio.checked && radio.value === "call") field("channel").value = "phone";
    });
  }
})();
