"""payments: charges orders through Stripe PaymentIntents (`/api/payments`)."""
