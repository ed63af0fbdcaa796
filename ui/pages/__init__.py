"""One module per dashboard page, each with a render() the thin files in pages/ call."""
