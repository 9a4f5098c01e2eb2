// The SPARQL query page (/sparql): an example picked from the list goes into the editor, and
// Ctrl+Enter (Cmd+Enter) runs the query. Plain JavaScript, no libraries; the page works without it.
(function () {
  "use strict";
  var form = document.getElementById("query-form");
  var editor = document.getElementById("query");
  var examples = document.getElementById("example");
  if (!form || !editor) { return; }
  if (examples) {
    examples.addEventListener("change", function () {
      var option = examples.options[examples.selectedIndex];
      if (option && option.dataset.query) {
        editor.value = option.dataset.query;
        editor.focus();
      }
    });
  }
  editor.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
    }
  });
})();
