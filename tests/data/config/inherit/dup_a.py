shared = 1
only_a = 'a'
