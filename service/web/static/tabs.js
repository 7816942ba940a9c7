// Tabs over sections that are all shown without JavaScript. A nav[data-tabs] of links to panels
// (id="tab-<name>") becomes a tablist: one panel shows at a time, the arrow keys, Home and End move
// between tabs, and the chosen tab is kept in the address (#tab-<name>) without a reload. On arrival
// #tab-<name> or ?tab=<name> opens that tab; a link to something inside a panel (#loan-form, or an
// older #corrections) opens the panel that holds it first. A count marked data-count="<selector>"
// follows the panel when its content is replaced (the scans list after an upload).
(function () {
  "use strict";
  var nav = document.querySelector("nav[data-tabs]");
  if (!nav) return;
  var tabs = Array.prototype.slice.call(nav.querySelectorAll("a[href^='#']"));
  var panels = tabs.map(function (tab) { return document.getElementById(tab.getAttribute("href").slice(1)); });
  if (!tabs.length || panels.indexOf(null) >= 0) return;

  nav.setAttribute("role", "tablist");
  tabs.forEach(function (tab, i) {
    tab.setAttribute("role", "tab");
    tab.setAttribute("aria-controls", panels[i].id);
    panels[i].setAttribute("role", "tabpanel");
    panels[i].setAttribute("aria-labelledby", tab.id);
    panels[i].tabIndex = 0;
  });

  function select(index) {
    tabs.forEach(function (tab, i) {
      var chosen = i === index;
      tab.setAttribute("aria-selected", chosen ? "true" : "false");
      tab.tabIndex = chosen ? 0 : -1;
      panels[i].hidden = !chosen;
    });
  }

  // the tab whose panel is, or holds, the element with this id; -1 for none
  function holding(id) {
    var target = id ? document.getElementById(id) : null;
    if (!target) return -1;
    for (var i = 0; i < panels.length; i++) {
      if (panels[i].contains(target)) return i;
    }
    return -1;
  }

  function fromHash() {
    var id = "";
    try { id = decodeURIComponent(window.location.hash.slice(1)); } catch (e) { return -1; }
    return holding(id);
  }

  // what the address asks for: the tab itself (the page then opens at its top, where the header's
  // actions and any message about a form just sent are), or a place inside one (scrolled to)
  function arrive() {
    var id = window.location.hash.slice(1);
    var index = fromHash();
    var named = new URLSearchParams(window.location.search).get("tab");
    if (index < 0 && named) index = holding("tab-" + named);
    if (index < 0) index = 0;
    select(index);
    var target = id ? document.getElementById(id) : null;
    if (target && panels.indexOf(target) < 0 && panels[index].contains(target)) {
      target.scrollIntoView();
    } else if (id || named) {
      window.scrollTo(0, 0);
    }
  }

  function choose(index) {
    select(index);
    tabs[index].focus();
    history.replaceState(history.state, "", "#" + panels[index].id);
  }

  nav.addEventListener("click", function (event) {
    var tab = event.target.closest("[role=tab]");
    if (!tab) return;
    event.preventDefault();
    choose(tabs.indexOf(tab));
  });

  nav.addEventListener("keydown", function (event) {
    var at = tabs.indexOf(document.activeElement);
    if (at < 0) return;
    var last = tabs.length - 1;
    var to = {ArrowRight: at === last ? 0 : at + 1, ArrowLeft: at === 0 ? last : at - 1, Home: 0, End: last}[event.key];
    if (to === undefined) return;
    event.preventDefault();
    choose(to);
  });

  // a link elsewhere on the page to something in a hidden panel: show the panel before the browser
  // follows the link, so that it scrolls to the target as usual
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[href^='#']") : null;
    if (!link || nav.contains(link)) return;
    var index = holding(link.getAttribute("href").slice(1));
    if (index >= 0) select(index);
  });

  window.addEventListener("hashchange", function () {
    var index = fromHash();
    if (index < 0) return;
    select(index);
    var target = document.getElementById(window.location.hash.slice(1));
    if (target && panels.indexOf(target) < 0) target.scrollIntoView();
  });

  tabs.forEach(function (tab, i) {
    var count = tab.querySelector("[data-count]");
    if (!count || !window.MutationObserver) return;
    new MutationObserver(function () {
      count.textContent = "(" + panels[i].querySelectorAll(count.dataset.count).length + ")";
    }).observe(panels[i], {childList: true, subtree: true});
  });

  arrive();
  // the browser may scroll to the fragment again while the page finishes loading
  window.addEventListener("load", function () {
    if (window.location.hash && panels.indexOf(document.getElementById(window.location.hash.slice(1))) >= 0) {
      window.scrollTo(0, 0);
    }
  });
})();
