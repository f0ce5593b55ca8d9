"""The loyalty events webhooks carry: each call site names what happened, this feature shapes and emits it."""
