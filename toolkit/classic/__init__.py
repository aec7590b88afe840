"""Microsoft.MachineLearning (Studio classic "New" web services): web services, deploys, commitment plans, BES, RRS."""
