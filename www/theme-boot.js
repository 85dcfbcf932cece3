// Runs in <head> before the first paint (a classic script, not a module): applies the remembered
// colour theme and presenter mode, so the page never flashes in the wrong colours. www/a11y.js
// owns the toggles. localStorage can be refused (a sandboxed embed): then the defaults stay.
try {
  const theme = localStorage.getItem("nla-theme");
  if (theme === "light" || theme === "dark") document.documentElement.dataset.theme = theme;
  if (localStorage.getItem("nla-presenter") === "on") document.documentElement.dataset.presenter = "on";
} catch { /* storage unavailable: automatic theme, normal text */ }
