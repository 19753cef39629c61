"""Tests of the journey language (journeys/) and its commands."""
