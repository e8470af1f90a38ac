// Northwind Goods demo shop: a cart kept in localStorage. No inline scripts (strict CSP).
"use strict";

(function () {
  const CART_KEY = "northwind:cart";
  const money = new Intl.NumberFormat("en-IE", { style: "currency", currency: "EUR" });

  const cartButton = document.querySelector(".cart-button");
  const cartCount = document.querySelector(".cart-count");
  const cartPanel = document.getElementById("cart");
  const cartItems = cartPanel.querySelector(".cart-items");
  const cartEmpty = cartPanel.querySelector(".cart-empty");
  const cartTotal = cartPanel.querySelector(".cart-total-value");
  const announcer = document.getElementById("announcer");

  /** Products as described by the cards: {sku: {name, priceCents, inStock}}. */
  const products = {};
  for (const card of document.querySelectorAll(".card[data-sku]")) {
    products[card.dataset.sku] = {
      name: card.dataset.name,
      priceCents: Math.round(parseFloat(card.dataset.price) * 100),
      inStock: card.dataset.stock === "in",
    };
  }

  // Page views and cart events go to the chat's customer profile through the widget's one global.
  // The widget may load after this script, so each call looks it up when it happens.
  function track(event, props) {
    if (window.ShopChat && typeof window.ShopChat.track === "function") {
      Promise.resolve(window.ShopChat.track(event, props)).catch(function () {});
    }
  }

  function readCart() {
    try {
      const value = JSON.parse(localStorage.getItem(CART_KEY) || "{}");
      const cart = {};
      for (const [sku, qty] of Object.entries(value)) {
        if (products[sku] && Number.isInteger(qty) && qty > 0) cart[sku] = qty;
      }
      return cart;
    } catch (err) {
      return {};
    }
  }

  function writeCart(cart) {
    try {
      localStorage.setItem(CART_KEY, JSON.stringify(cart));
    } catch (err) {
      // Storage unavailable: the cart lasts for this page only.
    }
    render(cart);
  }

  function render(cart) {
    const skus = Object.keys(cart);
    const count = skus.reduce((n, sku) => n + cart[sku], 0);
    cartCount.textContent = String(count);
    cartCount.setAttribute("aria-label", count === 1 ? "1 item" : count + " items");

    cartItems.replaceChildren();
    let totalCents = 0;
    for (const sku of skus) {
      const product = products[sku];
      const lineCents = product.priceCents * cart[sku];
      totalCents += lineCents;

      const li = document.createElement("li");
      const name = document.createElement("span");
      name.className = "name";
      name.textContent = product.name;
      const lineTotal = document.createElement("span");
      lineTotal.className = "line-total";
      lineTotal.textContent = money.format(lineCents / 100);
      const qty = document.createElement("span");
      qty.className = "qty";
      qty.textContent = cart[sku] + " × " + money.format(product.priceCents / 100);
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "remove";
      remove.textContent = "Remove";
      remove.setAttribute("aria-label", "Remove " + product.name);
      remove.addEventListener("click", function () {
        const next = readCart();
        delete next[sku];
        writeCart(next);
        track("cart_remove", { sku: sku });
        cartButton.focus();
      });
      li.append(name, lineTotal, qty, remove);
      cartItems.appendChild(li);
    }
    cartEmpty.hidden = skus.length > 0;
    cartTotal.textContent = money.format(totalCents / 100);
  }

  function setCartOpen(open) {
    cartPanel.hidden = !open;
    cartButton.setAttribute("aria-expanded", String(open));
    if (open) cartPanel.querySelector(".cart-close").focus();
  }

  for (const card of document.querySelectorAll(".card[data-sku]")) {
    const button = card.querySelector(".add");
    const sku = card.dataset.sku;
    button.addEventListener("click", function () {
      if (!products[sku].inStock) return;
      const cart = readCart();
      cart[sku] = (cart[sku] || 0) + 1;
      writeCart(cart);
      track("cart_add", { sku: sku, quantity: 1, price_cents: products[sku].priceCents });
      announcer.textContent = "Added " + products[sku].name + " to the cart.";
      button.textContent = "Added ✓";
      button.classList.add("added");
      setTimeout(function () {
        button.textContent = "Add to cart";
        button.classList.remove("added");
      }, 1200);
    });
  }

  cartButton.addEventListener("click", function () {
    setCartOpen(cartPanel.hidden);
  });
  cartPanel.querySelector(".cart-close").addEventListener("click", function () {
    setCartOpen(false);
    cartButton.focus();
  });
  cartPanel.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      setCartOpen(false);
      cartButton.focus();
    }
  });
  // Another tab changed the cart.
  window.addEventListener("storage", function (event) {
    if (event.key === CART_KEY) render(readCart());
  });

  // A real shop identifies its logged-in customer; here a button stands in for the login. Jane placed the
  // demo orders, so once she is identified the bot tells her their tracking numbers and amounts.
  const signIn = document.querySelector(".sign-in-button");
  const signInStatus = document.querySelector(".sign-in-status");
  signIn.addEventListener("click", function () {
    if (!window.ShopChat) return;
    signIn.disabled = true;
    window.ShopChat.identify({ external_id: "demo-jane", email: "jane@northwind.example", name: "Jane Doe", consent: true })
      .then(function () {
        signIn.textContent = "Jane Doe";
        signIn.title = "Signed in (demo)";
        signInStatus.textContent = "Signed in as Jane Doe: ask the chat about order 1002 again.";
      })
      .catch(function (err) {
        signIn.disabled = false;
        signIn.title = "Could not sign in (" + (err && err.code ? err.code : "error") + ")";
        signInStatus.textContent = signIn.title + ".";
      });
  });

  render(readCart());
  // The widget registers window.ShopChat on DOMContentLoaded (its script is deferred).
  window.addEventListener("load", function () {
    track("page_view", { url: location.pathname + location.hash, title: document.title });
  });
})();
