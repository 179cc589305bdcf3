enum LoadTestingPlaceholder {}
