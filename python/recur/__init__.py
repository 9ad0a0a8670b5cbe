"""recur: Python front end, NumPy references and runner for the recur compiler."""
