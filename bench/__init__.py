"""The benchmark: a large dataset built with set-based SQL, driven over HTTP against `eventos serve`."""
