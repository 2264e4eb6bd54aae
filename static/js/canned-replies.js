// The request page's "tell the customer" form: picking a canned reply fills in its text, as
// rendered for this case, and its purpose. Without this script "Use this reply" does the same.
(function () {
  "use strict";
  const data = document.getElementById("canned-replies");
  const select = document.getElementById("id_communicate-canned");
  if (!data || !select) return;
  const replies = JSON.parse(data.textContent);
  const summary = document.getElementById("id_communicate-summary");
  const purpose = document.getElementById("id_communicate-purpose");
  select.addEventListener("change", function () {
    const reply = replies[select.value];
    if (!reply) return;
    summary.value = reply.text;
    if (reply.purpose && purpose) purpose.value = reply.purpose;
  });
})();
