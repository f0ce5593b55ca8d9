"""A shopper's address book: delivery addresses, one of them the default, picked at checkout."""
