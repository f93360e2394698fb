/* esgflow: what the Data Docs pages ask of bootstrap-table, Bootstrap and Vega, without a network.
   The pages list their runs with $(table).bootstrapTable({columns, data}); this draws that list as a
   plain table with clickable rows, and answers the other calls (modals, filters, charts) by doing nothing. */
(function ($) {
  "use strict";
  function named(fn) { return typeof fn === "string" ? window[fn] : fn; }
  $.fn.bootstrapTable = function (options) {
    if (typeof options !== "object") { return this; }  // 'clearFilterControl', 'resetSearch': nothing to reset
    return this.each(function () {
      var $table = $(this).empty().addClass("table table-sm esgflow-table");
      var columns = options.columns || [], rows = options.data || [];
      var rowAttributes = named(options.rowAttributes);
      var $head = $("<tr>");
      columns.forEach(function (c) { $head.append($("<th>").text(c.title || c.field)); });
      $table.append($("<thead>").append($head));
      var $body = $("<tbody>");
      rows.forEach(function (row, index) {
        var $tr = $("<tr>");
        columns.forEach(function (c) { $tr.append($("<td>").html(row[c.field] == null ? "" : String(row[c.field]))); });
        var attributes = rowAttributes ? rowAttributes(row, index) : {};
        Object.keys(attributes).forEach(function (k) { $tr.attr(k, attributes[k]); });
        $tr.on("click", function () { $table.trigger("click-row.bs.table", [row, $tr]); });
        $body.append($tr);
      });
      $table.append($body);
      if (!rows.length) { $body.append($("<tr>").append($("<td>").attr("colspan", columns.length).text("—"))); }
    });
  };
  $.fn.modal = $.fn.modal || function () { return this; };
  $.fn.tooltip = $.fn.tooltip || function () { return this; };
  $.fn.popover = $.fn.popover || function () { return this; };
  $.fn.datepicker = $.fn.datepicker || function () { return this; };
  $.fn.alert = $.fn.alert || function () { return this; };
  $.fn.collapse = $.fn.collapse || function () { return this.toggleClass("show"); };
  $(document).on("click", "[data-toggle=collapse]", function (e) {
    e.preventDefault();
    $($(this).attr("data-target") || $(this).attr("href")).toggleClass("show");
  });
  window.vegaEmbed = window.vegaEmbed || function () { return Promise.resolve(); };
})(jQuery);
