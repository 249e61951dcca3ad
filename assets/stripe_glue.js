// Stripe.js Card Element glue, used only when STRIPE_PUBLISHABLE_KEY is set.
// Mounts the card field into #card-element (whenever the order page renders it)
// and exposes window.stubhubStripe.createPaymentMethod() -> {id} | {error}.
(function () {
  var stripe = null;
  var card = null;
  var mountedOn = null;

  function mount() {
    var el = document.getElementById("card-element");
    if (!el || !window.Stripe) return;
    if (mountedOn === el && card) return;
    var key = el.getAttribute("data-stripe-key");
    if (!key) return;
    if (!stripe) stripe = window.Stripe(key);
    if (card) { try { card.destroy(); } catch (e) {} }
    card = stripe.elements().create("card", { hidePostalCode: true, style: { base: { fontSize: "16px" } } });
    card.mount(el);
    mountedOn = el;
  }

  setInterval(mount, 300);

  window.stubhubStripe = {
    // 3-D Secure: show the bank's challenge for a PaymentIntent payments left in
    // requires_action; the outcome reaches payments by webhook and the page live.
    handleNextAction: function (clientSecret) {
      mount();
      if (!stripe) return Promise.resolve({ error: "Card entry is not ready yet" });
      var next = stripe.handleNextAction
        ? stripe.handleNextAction({ clientSecret: clientSecret })
        : stripe.confirmCardPayment(clientSecret); // the local Stripe.js stand-in
      return next.then(function (r) {
        return r && r.error ? { error: r.error.message || "Authentication failed" } : {};
      }, function () { return { error: "Could not reach Stripe" }; });
    },
    createPaymentMethod: function () {
      mount();
      if (!stripe || !card) return Promise.resolve({ error: "Card entry is not ready yet" });
      return stripe.createPaymentMethod({ type: "card", card: card }).then(function (r) {
        if (r.error) return { error: r.error.message || "Check your card details" };
        return { id: r.paymentMethod.id };
      }, function () { return { error: "Could not reach Stripe" }; });
    },
  };
})();
