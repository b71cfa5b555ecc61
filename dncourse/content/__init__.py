"""The course content: the one data loader, references and the course map."""
