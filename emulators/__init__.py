"""Devices: the simulated Appium device (RondeSim), the Appium server, real emulator managers."""
