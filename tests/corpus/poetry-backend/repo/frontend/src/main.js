document.querySelector("#app").textContent = "inventory";
