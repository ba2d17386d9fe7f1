"""Message and global shortcuts."""
