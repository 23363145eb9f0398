"""Checking against PyTorch: ``compare_with_torch`` runs the same function on both engines and
reports each gradient side by side. torch is imported only when it is called."""
